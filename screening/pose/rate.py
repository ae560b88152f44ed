"""Which frames the pose model sees: all of them (under ``Config.max_pose_fps``) while the
legs move, fewer where nothing moves (``Config.steady_pose_fps``), and the frames it
skipped filled in between the frames it saw.

The pose model is most of the analysis' time. In a single-leg-stance recording most of
the video is still: the two-leg baseline and the hold. The lift and the lowering, where the
phases and the estimator's reference are found, are a second or two. :class:`PoseRate`
decides online, from the landmarks already found (MediaPipe's VIDEO mode needs increasing
timestamps, so a skipped frame cannot be posed later): after ``settle_s`` of posed frames
in which no hip, knee or ankle moved more than ``still_torso`` torso lengths, neither
since the frame posed before nor since the first of them, it poses one frame per
``steady_interval_s``; the first posed frame where one has moved (or is missing) brings
back every frame. The frames in between are filled by :func:`fill_skipped`: linear
interpolation between the two posed frames around them, flagged in the series' ``filled``
mask.
"""

from __future__ import annotations

import numpy as np

from ..config import STEADY_SETTLE_S, STEADY_STILL_TORSO
from ..landmarks import (
    LEFT_ANKLE,
    LEFT_HIP,
    LEFT_KNEE,
    LEFT_SHOULDER,
    N_LANDMARKS,
    RIGHT_ANKLE,
    RIGHT_HIP,
    RIGHT_KNEE,
    RIGHT_SHOULDER,
    LandmarkSeries,
)
from . import PoseFrame

# hips, knees and ankles: where the lift, the lowering and the pelvis show
LEG_POINTS = (LEFT_HIP, RIGHT_HIP, LEFT_KNEE, RIGHT_KNEE, LEFT_ANKLE, RIGHT_ANKLE)
# "Nothing moves": no leg landmark moved more than STILL_TORSO torso lengths for SETTLE_S
# (their provenance is with the setting they shape, screening.config).
STILL_TORSO = STEADY_STILL_TORSO
SETTLE_S = STEADY_SETTLE_S
MIN_VISIBILITY = 0.5    # a leg landmark less visible than this counts as moving


class PoseRate:
    """Per video: :meth:`wants` says whether the frame at ``t_s`` is to be posed,
    :meth:`seen` takes each posed frame. ``steady_interval_s`` 0 poses every frame."""

    def __init__(self, steady_interval_s: float, *, still_torso: float = STILL_TORSO,
                 settle_s: float = SETTLE_S) -> None:
        self.steady_interval_s = steady_interval_s
        self.still_torso = still_torso
        self.settle_s = settle_s
        self._last_t: float | None = None
        self._last_xy: np.ndarray | None = None
        self._still_since: float | None = None   # start of the current still stretch
        self._anchor_xy: np.ndarray | None = None  # the landmarks at its start

    @property
    def steady(self) -> bool:
        """Whether nothing has moved for ``settle_s`` (fewer frames are posed)."""
        return (self.steady_interval_s > 0 and self._still_since is not None
                and self._last_t is not None and self._last_t - self._still_since >= self.settle_s)

    def wants(self, t_s: float) -> bool:
        if not self.steady:
            return True
        # a quarter of the interval early is allowed, as for the frame-rate cap
        return t_s - self._last_t >= 0.75 * self.steady_interval_s

    def seen(self, frame: PoseFrame) -> None:
        xy = leg_points_px(frame)
        # still: moved little since the frame before and since the still stretch began (a
        # slow drift, a sinking foot or a late drop, adds up and brings back every frame)
        still = (xy is not None and self._last_xy is not None
                 and leg_displacement_torso(self._last_xy, xy) <= self.still_torso
                 and (self._anchor_xy is None
                      or leg_displacement_torso(self._anchor_xy, xy) <= self.still_torso))
        if not still:
            self._still_since = self._anchor_xy = None
        elif self._still_since is None:
            self._still_since, self._anchor_xy = self._last_t, self._last_xy
        self._last_t, self._last_xy = frame.t_s, xy


def leg_points_px(frame: PoseFrame) -> np.ndarray | None:
    """The frame's landmarks (33, 2) when the leg landmarks and the shoulders are found
    and the leg landmarks visible, else None."""
    needed = list(LEG_POINTS) + [LEFT_SHOULDER, RIGHT_SHOULDER]
    if not frame.found or not np.all(np.isfinite(frame.xy_px[needed])) or \
            np.any(frame.visibility[list(LEG_POINTS)] < MIN_VISIBILITY):
        return None
    return frame.xy_px


def leg_displacement_torso(xy_a: np.ndarray, xy_b: np.ndarray) -> float:
    """Largest displacement of a leg landmark from ``xy_a`` to ``xy_b`` (33, 2), in torso
    lengths (hip centre to shoulder centre of ``xy_b``)."""
    hips = xy_b[[LEFT_HIP, RIGHT_HIP]].mean(axis=0)
    shoulders = xy_b[[LEFT_SHOULDER, RIGHT_SHOULDER]].mean(axis=0)
    torso = float(np.linalg.norm(shoulders - hips))
    if torso <= 1.0:
        return float("inf")
    moved = np.linalg.norm(xy_b[list(LEG_POINTS)] - xy_a[list(LEG_POINTS)], axis=1)
    return float(moved.max()) / torso


def fill_skipped(posed: list[PoseFrame], t_s: np.ndarray, luma_mean: np.ndarray, *,
                 width_px: int, height_px: int) -> LandmarkSeries:
    """The landmark series at every frame time ``t_s`` from the frames that were posed
    (a subset of those times, the first and the last among them). A skipped frame gets
    the linear interpolation of the posed frames before and after it (NaN where either is
    NaN; the fewer people of the two) and is flagged in ``filled``; ``luma_mean`` is that
    of every frame."""
    t_s = np.asarray(t_s, dtype=float)
    seen = LandmarkSeries.from_frames(posed, width_px=width_px, height_px=height_px)
    if len(seen) == len(t_s):
        return seen
    where = np.searchsorted(t_s, seen.t_s)
    if len(seen) == 0 or not np.allclose(t_s[where], seen.t_s) or where[0] != 0 \
            or where[-1] != len(t_s) - 1:
        raise ValueError("fill_skipped: the posed frames must be frames of t_s, the first "
                         "and the last among them")
    after = np.clip(np.searchsorted(seen.t_s, t_s), 1, len(seen) - 1)
    before = after - 1
    weight = (t_s - seen.t_s[before]) / (seen.t_s[after] - seen.t_s[before])
    weight[where] = 0.0
    before[where] = np.arange(len(seen))
    after[where] = np.arange(len(seen))

    def mix(values: np.ndarray) -> np.ndarray:
        w = weight.reshape((-1,) + (1,) * (values.ndim - 1))
        return (1.0 - w) * values[before] + w * values[after]

    filled = np.ones((len(t_s), N_LANDMARKS), dtype=bool)
    filled[where] = False
    return LandmarkSeries(
        t_s=t_s, xy_px=mix(seen.xy_px), visibility=mix(seen.visibility),
        presence=mix(seen.presence), world_xyz_m=mix(seen.world_xyz_m),
        n_people=np.minimum(seen.n_people[before], seen.n_people[after]),
        luma_mean=np.asarray(luma_mean, dtype=float), width_px=width_px,
        height_px=height_px, filled=filled)
