"""Pose estimation behind a small protocol.

Only :mod:`screening.pose.mediapipe_backend` imports mediapipe. Everything downstream
works on :class:`PoseFrame` / :class:`screening.landmarks.LandmarkSeries` and can be
tested with the replay backend, without any model.

Inside the package imports go one way: ``model`` (which model file, its checksum, building
the bundle) and ``reuse`` use this module's types and load ``mediapipe_backend`` when they
need it (late: mediapipe is slow to import); ``mediapipe_backend`` imports only this module.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Protocol

import numpy as np

from ..landmarks import N_LANDMARKS


@dataclass(frozen=True)
class PoseFrame:
    """Landmarks of the main person in one frame (NaN where nobody was found).

    ``xy_px`` (33, 2) pixels; ``visibility``/``presence`` (33,) in 0..1;
    ``world_xyz_m`` (33, 3) metres, hip-centred; ``n_people`` people detected.
    """

    t_s: float
    xy_px: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray
    world_xyz_m: np.ndarray
    n_people: int
    luma_mean: float = float("nan")

    def __post_init__(self) -> None:
        for name, shape in (("xy_px", (N_LANDMARKS, 2)), ("visibility", (N_LANDMARKS,)),
                            ("presence", (N_LANDMARKS,)), ("world_xyz_m", (N_LANDMARKS, 3))):
            got = np.shape(getattr(self, name))
            if got != shape:
                raise ValueError(f"PoseFrame.{name}: expected shape {shape}, got {got}")

    @classmethod
    def empty(cls, t_s: float, luma_mean: float = float("nan")) -> PoseFrame:
        nan2 = np.full((N_LANDMARKS, 2), np.nan)
        return cls(t_s=t_s, xy_px=nan2, visibility=np.zeros(N_LANDMARKS),
                   presence=np.zeros(N_LANDMARKS), world_xyz_m=np.full((N_LANDMARKS, 3), np.nan),
                   n_people=0, luma_mean=luma_mean)

    @property
    def found(self) -> bool:
        return self.n_people > 0


def mean_brightness(rgb: np.ndarray) -> float:
    """The mean of every value of an RGB frame (H, W, 3 uint8): ``rgb.mean()``, exactly
    (the channel sums of integers are exact in float64), from OpenCV's channel sums in
    about half numpy's time (0.37 against 0.69 ms on a 960 x 540 frame); numpy's for
    frames OpenCV does not take as they are."""
    if rgb.dtype == np.uint8 and rgb.ndim == 3 and rgb.shape[2] == 3 \
            and rgb.flags.c_contiguous:
        import cv2

        return float(sum(cv2.sumElems(rgb)[:3]) / rgb.size)
    return float(rgb.mean())


@dataclass(frozen=True)
class ModelInfo:
    """The pose model a result was made with (see :mod:`screening.pose.model`)."""

    path: str
    sha256: str
    source: str
    variant: str  # "full", or "user" for a user-supplied file
    version: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


class PoseBackend(Protocol):
    """Turns RGB frames (H, W, 3 uint8, unmirrored) with timestamps into PoseFrames."""

    def process(self, rgb: np.ndarray, t_s: float) -> PoseFrame: ...

    def close(self) -> None: ...
