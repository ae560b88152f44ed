"""The sections of the configuration, one frozen dataclass per pipeline stage, each a
table of the TOML settings file and of result.json's "config"; screening.config puts them
together (:class:`screening.config.Config`) and reads and writes them.

Defaults and where they come from (docs/MEASUREMENT.md explains each):

* ``negative_below_deg`` = 2.0 and ``positive_from_deg`` = 4.0: the smallest detectable
  difference of 2-D video pelvic drop is 2.7-2.8 deg (Dingenen 2018, Phys Ther Sport
  33:40) and the goniometer MDC in Trendelenburg stance is 4 deg (Youdas 2007, J Sport
  Rehabil 16:326). Below 2 deg a drop cannot be told from a level pelvis; from 4 deg it
  exceeds the MDC; between the two the result is ``borderline``.
* ``compensation_lean_deg`` = 5.0: a trunk lean toward the stance side beyond what
  posture noise explains hides a drop (compensated Trendelenburg).
* ``standard_hold_s`` = 30: the standard single-leg stance (Hardcastle & Nade 1985).
* ``lowpass_cutoff_hz`` = 5.0: zero-phase low-pass, within the usual 4-6 Hz of gait tools.
* ``max_pose_fps`` = 15: the drop is low-passed at 5 Hz, so 15 samples a second keep all
  of it; on 30 fps video this halves the pose model's work (docs/BENCHMARK.md and
  docs/VALIDATION.md measure it).
* ``steady_pose_fps`` = 5: where nothing moves (the two-leg baseline, the hold) the pose
  model sees 5 frames a second and the frames between are interpolated; the lift and the
  lowering get every frame under ``max_pose_fps`` (screening.pose.rate; docs/BENCHMARK.md
  and docs/VALIDATION.md measure it).
"""

from __future__ import annotations

from dataclasses import dataclass

from .setting import Section, setting

# The names in screening.estimators.ESTIMATORS (a test keeps them equal). Kept here so that
# the settings and ``--help`` need neither numpy nor scipy.
ESTIMATOR_NAMES = ("hip_line", "leg")

# When nothing moves (screening.pose.rate, with ``video.steady_pose_fps``; kept here so that
# the setting's help text is made from them, without numpy): the largest displacement of a
# leg landmark, in torso lengths, between two posed frames that still counts as "nothing
# moves", and how long it must last (posed at the full rate) before fewer frames are posed.
# On the cached landmarks of the rendered development sets (dev, dev_v2, fit_v3, every
# frame at 15 fps) a leg landmark moves, from one frame to the next, 0.003 in the median on
# two legs (95th percentile 0.010) and 0.004 in the hold (0.017), against 0.03 (90th
# percentile 0.09) during the lift and the lowering; three frames apart (the steady rate)
# 0.005 and 0.007 (95th percentiles 0.018 and 0.033) against 0.09. Chosen with
# STEADY_SETTLE_S and steady_pose_fps on those sets and markers_dev (docs/VALIDATION.md):
# the hold medians move by about 0.5 deg either way (MediaPipe's tracking depends on the
# frames it sees), the MAE of each group by less than 0.1 deg.
STEADY_STILL_TORSO = 0.02
STEADY_SETTLE_S = 0.5


@dataclass(frozen=True)
class VideoConfig(Section):
    """Reading the video and finding the pose. A re-analysis from saved landmarks keeps
    these: the landmarks were found with them."""

    section = "video"

    max_duration_s: float = setting(
        900.0, unit="s", low=1.0, high=86400.0, aliases=("--max-duration",),
        help="longest video accepted")
    max_long_side_px: int = setting(
        960, unit="px", low=64, high=8192,
        help="frames are scaled down to this long side for the pose model (which itself "
        "sees 256x256)")
    max_pose_fps: float = setting(
        15.0, unit="frames/s", low=0.0, high=1000.0,
        help="pose frames per second at most, 0 = every frame")
    steady_pose_fps: float = setting(
        5.0, unit="frames/s", low=0.0, high=1000.0,
        help=f"pose frames per second where nothing moves (after {STEADY_SETTLE_S:g} s in "
        f"which no hip, knee or ankle moved more than {STEADY_STILL_TORSO:g} torso lengths; "
        "the frames between are interpolated), 0 = max_pose_fps throughout")
    mirrored: bool = setting(
        False, unit="", help="the video is mirrored (selfie view): left and right are swapped")

    @property
    def pose_interval_s(self) -> float:
        """Shortest time between two frames the pose model sees (0 = every frame)."""
        return 1.0 / self.max_pose_fps if self.max_pose_fps > 0 else 0.0

    @property
    def steady_pose_interval_s(self) -> float:
        """Shortest time between two posed frames where nothing moves (0 = no steady rate,
        also when it would not be below ``max_pose_fps``), see screening.pose.rate."""
        if self.steady_pose_fps <= 0 or (0 < self.max_pose_fps <= self.steady_pose_fps):
            return 0.0
        return 1.0 / self.steady_pose_fps


@dataclass(frozen=True)
class RecordingConfig(Section):
    """Whole-recording checks: a recording failing one cannot be measured at all."""

    section = "recording"

    min_duration_s: float = setting(1.5, unit="s", low=0.0, high=600.0,
                                    help="shortest recording accepted")
    min_person_fraction: float = setting(
        0.5, unit="fraction", low=0.0, high=1.0,
        help="share of the frames in which the person must be found")
    max_second_person_fraction: float = setting(
        0.2, unit="fraction", low=0.0, high=1.0,
        help="share of the frames with a second person in view beyond which the recording "
        "is refused")
    min_hip_width_px: float = setting(
        20.0, unit="px", low=0.0, high=2000.0,
        help="narrowest hip width (person too small in the picture below it)")
    min_frontal_ratio: float = setting(
        0.22, unit="ratio", low=0.0, high=2.0,
        help="(hip + shoulder width) / (2 x torso length) below which the person is seen "
        "from the side")
    dark_luma: float = setting(
        40.0, unit="grey level", low=0.0, high=255.0,
        help="mean brightness below which a recording without a person is called too dark")


@dataclass(frozen=True)
class SignalConfig(Section):
    """Cleaning the landmark series: which samples count, gap filling, low-pass filter."""

    section = "signal"

    min_visibility: float = setting(
        0.5, unit="fraction", low=0.0, high=1.0,
        help="landmark visibility below which a sample is treated as missing")
    max_gap_fill_s: float = setting(
        0.25, unit="s", low=0.0, high=5.0, help="longest gap filled by interpolation")
    lowpass_cutoff_hz: float = setting(
        5.0, unit="Hz", low=0.1, high=30.0, help="zero-phase low-pass cut-off frequency")


@dataclass(frozen=True)
class PhasesConfig(Section):
    """The lifted foot, the hold and the two-leg baseline; the protocol's durations."""

    section = "phases"

    lift_threshold_leg: float = setting(
        0.06, unit="leg lengths", low=0.005, high=0.5,
        help="height of an ankle above the other one (less their height difference on two "
        "legs) at which a foot counts as lifted")
    max_two_leg_offset_leg: float = setting(
        0.15, unit="leg lengths", low=0.0, high=0.5,
        help="largest image height difference of the two ankles that is taken for a stance "
        "on two legs (camera roll or yaw, stance width; up to 0.12 seen on rendered clips)")
    min_own_rise_fraction: float = setting(
        0.5, unit="fraction", low=0.0, high=1.0,
        help="share of a lift, where it is highest, that the lifted ankle must have risen "
        "from its place beside the lift (less: the other foot went down the image, a step)")
    max_stance_motion_leg: float = setting(
        0.03, unit="leg lengths", low=0.0, high=0.5,
        help="how much the other ankle may move up or down during a lift (median distance "
        "from its median height; more: both feet moved, a jump)")
    hold_plateau_fraction: float = setting(
        0.75, unit="fraction", low=0.0, high=1.0,
        help="the hold is where the foot is at least this share of its typical lift height")
    min_baseline_s: float = setting(
        0.3, unit="s", low=0.0, high=10.0,
        help="shortest two-leg stance usable as the baseline")
    steady_trim_s: float = setting(
        0.3, unit="s", low=0.0, high=10.0,
        help="time left out at each end of a hold for the per-hold numbers")
    min_hold_s: float = setting(1.5, unit="s", low=0.0, high=600.0,
                                help="shortest hold that is measured (a shorter one is "
                                "inconclusive)")
    standard_hold_s: float = setting(30.0, unit="s", low=1.0, high=600.0,
                                     help="the standard hold; shorter holds get a warning")


@dataclass(frozen=True)
class MeasurementConfig(Section):
    """The pelvic-drop estimator and what its reading may be trusted for."""

    section = "measurement"

    estimator: str = setting(
        "leg", unit="", choices=ESTIMATOR_NAMES,
        help="markerless pelvic-drop estimator (docs/MEASUREMENT.md)")
    max_markerless_rise_deg: float = setting(
        5.0, unit="deg", low=0.0, high=90.0,
        help="a markerless reading of the lifted side rising more than this is a foot lifted "
        "higher, not a hip hike: the hold is inconclusive")
    time_to_drop_hysteresis_deg: float = setting(
        1.0, unit="deg", low=0.0, high=45.0,
        help="the time-to-drop is when the drop reaches the positive threshold and then "
        "stays above the threshold minus this")


@dataclass(frozen=True)
class DecisionConfig(Section):
    """Thresholds of the verdict (degrees of pelvic drop, positive = lifted-leg side
    lower)."""

    section = "decision"

    negative_below_deg: float = setting(
        2.0, unit="deg", low=0.0, high=45.0, aliases=("--negative-below",),
        help="drop below which a hold is negative; between the two thresholds it is "
        "borderline")
    positive_from_deg: float = setting(
        4.0, unit="deg", low=0.0, high=45.0, aliases=("--positive-from",),
        help="drop from which a hold is positive")
    compensation_lean_deg: float = setting(
        5.0, unit="deg", low=0.0, high=45.0,
        help="trunk lean toward the standing leg from which a hold is called compensated")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.negative_below_deg > self.positive_from_deg:
            raise ValueError(
                f"decision.negative_below_deg ({self.negative_below_deg:g} deg) must not be "
                f"more than decision.positive_from_deg ({self.positive_from_deg:g} deg)")


@dataclass(frozen=True)
class OutputsConfig(Section):
    """The annotated video (the measurement itself does not depend on these)."""

    section = "outputs"

    annotated_long_side_px: int = setting(720, unit="px", low=64, high=8192,
                                          help="long side of the annotated video")
    annotated_max_fps: float = setting(
        15.0, unit="frames/s", low=0.0, high=1000.0,
        help="annotated video frames per second at most, 0 = every frame")

    @property
    def annotated_interval_s(self) -> float:
        """Shortest time between two frames of the annotated video (0 = every frame)."""
        return 1.0 / self.annotated_max_fps if self.annotated_max_fps > 0 else 0.0


SECTIONS: dict[str, type] = {cls.section: cls for cls in (
    VideoConfig, RecordingConfig, SignalConfig, PhasesConfig, MeasurementConfig,
    DecisionConfig, OutputsConfig)}
# Sections a re-analysis from saved landmarks can change (the others shaped the landmarks
# or the annotated video, which it keeps).
ANALYSIS_SECTIONS = ("recording", "signal", "phases", "measurement", "decision")
