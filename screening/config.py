"""One typed, immutable configuration. Its resolved values go into every result.

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
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace


@dataclass(frozen=True)
class Config:
    # decision (degrees of pelvic drop, positive = lifted-leg side lower)
    negative_below_deg: float = 2.0
    positive_from_deg: float = 4.0
    compensation_lean_deg: float = 5.0
    # protocol
    min_hold_s: float = 1.5
    standard_hold_s: float = 30.0
    min_baseline_s: float = 0.3
    lift_threshold_leg: float = 0.06     # foot raised by this fraction of leg length = lifted
    hold_plateau_fraction: float = 0.75  # hold = foot at least this fraction of its median lift
    time_to_drop_hysteresis_deg: float = 1.0
    steady_trim_s: float = 0.3           # hold edges left out of the per-hold numbers
    # signal
    lowpass_cutoff_hz: float = 5.0
    max_gap_fill_s: float = 0.25
    min_visibility: float = 0.5
    # recording checks
    min_duration_s: float = 1.5
    max_duration_s: float = 900.0
    min_person_fraction: float = 0.5
    max_second_person_fraction: float = 0.2
    min_hip_width_px: float = 20.0
    min_frontal_ratio: float = 0.22      # hip+shoulder width / torso length below this = side view
    dark_luma: float = 40.0
    # decoding / outputs
    max_long_side_px: int = 960          # pose input; the model itself sees 256x256
    # pose frames per second at most (0 = every frame). The drop is low-passed at 5 Hz
    # (lowpass_cutoff_hz), so 15 samples a second keep all of it; on 30 fps video this
    # halves the pose model's work. docs/BENCHMARK.md and docs/VALIDATION.md measure it.
    max_pose_fps: float = 15.0
    # pose frames per second where nothing moves (0 = max_pose_fps throughout): after half
    # a second in which no leg landmark moved, the model sees this many frames a second
    # until one moves; the lift and the lowering get every frame under max_pose_fps, and
    # the frames not posed are interpolated (screening.pose.rate). docs/BENCHMARK.md and
    # docs/VALIDATION.md measure it.
    steady_pose_fps: float = 5.0
    annotated_long_side_px: int = 720
    annotated_max_fps: float = 15.0      # annotated video frame rate cap (0 = every frame)
    # estimator (see screening.estimators)
    estimator: str = "leg"
    # a markerless reading of the pelvis rising more than this on the lifted side is a foot
    # lifted higher, not a hip hike (which is a few degrees): the hold is inconclusive
    max_markerless_rise_deg: float = 5.0
    mirrored: bool = False

    def __post_init__(self) -> None:
        if not self.negative_below_deg <= self.positive_from_deg:
            raise ValueError("negative_below_deg must not exceed positive_from_deg "
                             f"(got {self.negative_below_deg} > {self.positive_from_deg})")
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
                raise ValueError(f"Config.{f.name} must be >= 0, got {value}")

    @property
    def pose_interval_s(self) -> float:
        """Shortest time between two frames the pose model sees (0 = every frame)."""
        return 1.0 / self.max_pose_fps if self.max_pose_fps > 0 else 0.0

    @property
    def steady_pose_interval_s(self) -> float:
        """Shortest time between two posed frames where nothing moves (0 = no steady rate,
        also when it would not be below ``max_pose_fps``)."""
        if self.steady_pose_fps <= 0 or (0 < self.max_pose_fps <= self.steady_pose_fps):
            return 0.0
        return 1.0 / self.steady_pose_fps

    @property
    def annotated_interval_s(self) -> float:
        """Shortest time between two frames of the annotated video (0 = every frame)."""
        return 1.0 / self.annotated_max_fps if self.annotated_max_fps > 0 else 0.0

    def to_dict(self) -> dict:
        return asdict(self)

    def with_changes(self, **changes) -> Config:
        return replace(self, **changes)
