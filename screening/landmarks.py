"""Landmark indices, anatomical sides, and the landmark time-series container.

Conventions (written once, used everywhere):

* Sides are the subject's **anatomical** sides. ``"left"`` is the subject's left.
* MediaPipe names landmarks for the image it is given, assuming an unmirrored camera
  image. A mirrored (selfie) recording therefore carries swapped labels; we correct that
  by swapping the left/right landmark *labels* (:func:`swap_sides`), never by flipping frames.
* Pixel coordinates: x to the right, y downward, origin at the top-left corner.
* Missing values are NaN; every series has boolean masks saying which samples were
  measured and which were filled in.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

N_LANDMARKS = 33

NOSE = 0
LEFT_EYE, RIGHT_EYE = 2, 5
LEFT_EAR, RIGHT_EAR = 7, 8
LEFT_SHOULDER, RIGHT_SHOULDER = 11, 12
LEFT_HIP, RIGHT_HIP = 23, 24
LEFT_KNEE, RIGHT_KNEE = 25, 26
LEFT_ANKLE, RIGHT_ANKLE = 27, 28
LEFT_HEEL, RIGHT_HEEL = 29, 30
LEFT_FOOT, RIGHT_FOOT = 31, 32

# Pairs (left index, right index) of MediaPipe's 33 pose landmarks.
LEFT_RIGHT_PAIRS: tuple[tuple[int, int], ...] = (
    (1, 4), (2, 5), (3, 6), (7, 8), (9, 10), (11, 12), (13, 14), (15, 16), (17, 18),
    (19, 20), (21, 22), (23, 24), (25, 26), (27, 28), (29, 30), (31, 32),
)

# Skeleton edges used for drawing.
SKELETON_EDGES: tuple[tuple[int, int], ...] = (
    (11, 12), (11, 13), (13, 15), (12, 14), (14, 16), (11, 23), (12, 24), (23, 24),
    (23, 25), (25, 27), (27, 29), (29, 31), (27, 31), (24, 26), (26, 28), (28, 30),
    (30, 32), (28, 32), (0, 11), (0, 12),
)

SIDES = ("left", "right")


def other_side(side: str) -> str:
    if side not in SIDES:
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")
    return "right" if side == "left" else "left"


def swap_index() -> np.ndarray:
    """Permutation that swaps every left landmark with its right twin."""
    perm = np.arange(N_LANDMARKS)
    for left, right in LEFT_RIGHT_PAIRS:
        perm[left], perm[right] = right, left
    return perm


@dataclass(frozen=True)
class LandmarkSeries:
    """Pose landmarks of one person over time.

    Shapes (N frames, 33 landmarks): ``t_s`` (N,), ``xy_px`` (N, 33, 2), ``visibility``
    (N, 33), ``presence`` (N, 33), ``world_xyz_m`` (N, 33, 3), ``n_people`` (N,) people
    detected in each frame, ``luma_mean`` (N,) mean brightness 0..255 of each frame.
    NaN marks a landmark not measured in that frame.
    """

    t_s: np.ndarray
    xy_px: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray
    world_xyz_m: np.ndarray
    n_people: np.ndarray
    luma_mean: np.ndarray
    width_px: int
    height_px: int
    filled: np.ndarray = field(default=None)  # (N, 33) True where a value was interpolated

    def __post_init__(self) -> None:
        n = len(self.t_s)
        expected = {
            "t_s": (n,), "xy_px": (n, N_LANDMARKS, 2), "visibility": (n, N_LANDMARKS),
            "presence": (n, N_LANDMARKS), "world_xyz_m": (n, N_LANDMARKS, 3),
            "n_people": (n,), "luma_mean": (n,),
        }
        for name, shape in expected.items():
            got = np.shape(getattr(self, name))
            if got != shape:
                raise ValueError(f"LandmarkSeries.{name}: expected shape {shape}, got {got}")
        if n > 1 and not np.all(np.diff(self.t_s) > 0):
            raise ValueError("LandmarkSeries.t_s must be strictly increasing")
        if self.filled is None:
            object.__setattr__(self, "filled", np.zeros((n, N_LANDMARKS), dtype=bool))
        elif np.shape(self.filled) != (n, N_LANDMARKS):
            raise ValueError(f"LandmarkSeries.filled: expected shape {(n, N_LANDMARKS)}")

    def __len__(self) -> int:
        return len(self.t_s)

    @classmethod
    def empty(cls, width_px: int = 0, height_px: int = 0) -> LandmarkSeries:
        return cls.from_frames([], width_px=width_px, height_px=height_px)

    @classmethod
    def from_frames(cls, frames, *, width_px: int, height_px: int) -> LandmarkSeries:
        """Stack :class:`screening.pose.PoseFrame` objects into a series."""
        frames = list(frames)
        n = len(frames)

        def stack(attr, shape):
            if n == 0:
                return np.zeros((0, *shape))
            return np.stack([getattr(f, attr) for f in frames]).astype(float)

        return cls(
            t_s=np.array([f.t_s for f in frames], dtype=float),
            xy_px=stack("xy_px", (N_LANDMARKS, 2)),
            visibility=stack("visibility", (N_LANDMARKS,)),
            presence=stack("presence", (N_LANDMARKS,)),
            world_xyz_m=stack("world_xyz_m", (N_LANDMARKS, 3)),
            n_people=np.array([f.n_people for f in frames], dtype=int),
            luma_mean=np.array([f.luma_mean for f in frames], dtype=float),
            width_px=width_px,
            height_px=height_px,
        )

    @property
    def fps(self) -> float:
        """Frame rate measured from the timestamps (median interval), never assumed."""
        if len(self.t_s) < 2:
            return float("nan")
        return float(1.0 / np.median(np.diff(self.t_s)))

    def detected(self) -> np.ndarray:
        """(N,) True where a person was found in the frame."""
        return self.n_people > 0

    def point(self, index: int) -> np.ndarray:
        """(N, 2) pixel track of one landmark."""
        return self.xy_px[:, index, :]

    def with_values(self, **changes) -> LandmarkSeries:
        return replace(self, **changes)

    def swap_sides(self) -> LandmarkSeries:
        """Swap left/right labels (for mirrored recordings)."""
        perm = swap_index()
        return replace(
            self,
            xy_px=self.xy_px[:, perm],
            visibility=self.visibility[:, perm],
            presence=self.presence[:, perm],
            world_xyz_m=self.world_xyz_m[:, perm],
            filled=self.filled[:, perm],
        )

    def save_npz(self, path, extra: dict[str, np.ndarray] | None = None) -> None:
        """Write the series; ``extra`` arrays (e.g. the markers' ``marker_*``) are stored
        beside it and ignored by :meth:`load_npz`."""
        extra = dict(extra or {})
        clash = set(extra) & {"t_s", "xy_px", "visibility", "presence", "world_xyz_m",
                              "n_people", "luma_mean", "filled", "size_px"}
        if clash:
            raise ValueError(f"extra arrays must not replace landmark arrays: {sorted(clash)}")
        np.savez_compressed(
            path, **extra, t_s=self.t_s, xy_px=self.xy_px, visibility=self.visibility,
            presence=self.presence, world_xyz_m=self.world_xyz_m, n_people=self.n_people,
            luma_mean=self.luma_mean, filled=self.filled,
            size_px=np.array([self.width_px, self.height_px]),
        )

    @classmethod
    def load_npz(cls, path) -> LandmarkSeries:
        with np.load(path) as d:
            w, h = (int(v) for v in d["size_px"])
            return cls(
                t_s=d["t_s"], xy_px=d["xy_px"], visibility=d["visibility"],
                presence=d["presence"], world_xyz_m=d["world_xyz_m"], n_people=d["n_people"],
                luma_mean=d["luma_mean"], filled=d["filled"], width_px=w, height_px=h,
            )
