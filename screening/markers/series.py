"""The marker containers: one frame (:class:`MarkerFrame`) and a recording
(:class:`MarkerSeries`), and their arrays in ``landmarks.npz``.

Conventions: index 0 of the marker axis is marker id 0 (the subject's right), index 1 is
id 1 (the left). Pixel coordinates as in :mod:`screening.landmarks`: x right, y down,
origin top-left. Corners in ArUco order (the marker's own top-left, top-right,
bottom-right, bottom-left). NaN where a marker was not seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

MARKER_IDS = (0, 1)          # (right, left)
MARKER_SIDES = ("right", "left")
NPZ_PREFIX = "marker_"


def _missing_corners(shape: tuple[int, ...]) -> np.ndarray:
    return np.full((*shape, len(MARKER_IDS), 4, 2), np.nan)


@dataclass(frozen=True)
class MarkerFrame:
    """The two markers in one frame.

    ``corners_px`` (2, 4, 2) and ``centre_px`` (2, 2): marker axis (id 0, id 1); NaN where
    not seen. ``n_candidates`` (2,): how many detections of each id the frame had (more
    than 1: the most plausible one was kept).
    """

    corners_px: np.ndarray
    centre_px: np.ndarray
    n_candidates: np.ndarray

    def __post_init__(self) -> None:
        for name, shape in (("corners_px", (2, 4, 2)), ("centre_px", (2, 2)),
                            ("n_candidates", (2,))):
            got = np.shape(getattr(self, name))
            if got != shape:
                raise ValueError(f"MarkerFrame.{name}: expected shape {shape}, got {got}")

    @classmethod
    def missing(cls) -> MarkerFrame:
        return cls(_missing_corners(()), np.full((2, 2), np.nan), np.zeros(2, dtype=int))

    @property
    def seen(self) -> np.ndarray:
        """(2,) True where the marker was found."""
        return np.isfinite(self.centre_px).all(axis=-1)

    def scaled(self, factor: float, *, dx_px: float = 0.0, dy_px: float = 0.0) -> MarkerFrame:
        """Coordinates moved by (dx, dy) then multiplied by ``factor`` (e.g. full resolution
        to the downscaled pose frame)."""
        shift = np.array([dx_px, dy_px])
        return MarkerFrame((self.corners_px + shift) * factor, (self.centre_px + shift) * factor,
                           self.n_candidates.copy())


@dataclass(frozen=True)
class MarkerSeries:
    """The two markers over a recording, one sample per analysed frame.

    Shapes (N frames): ``t_s`` (N,), ``centre_px`` (N, 2, 2), ``corners_px`` (N, 2, 4, 2),
    ``n_candidates`` (N, 2). ``width_px``/``height_px``: the frame size the coordinates
    refer to (the pose frame, so markers and landmarks share one pixel grid).
    """

    t_s: np.ndarray
    centre_px: np.ndarray
    corners_px: np.ndarray
    n_candidates: np.ndarray
    width_px: int
    height_px: int

    def __post_init__(self) -> None:
        n = len(self.t_s)
        for name, shape in (("t_s", (n,)), ("centre_px", (n, 2, 2)),
                            ("corners_px", (n, 2, 4, 2)), ("n_candidates", (n, 2))):
            got = np.shape(getattr(self, name))
            if got != shape:
                raise ValueError(f"MarkerSeries.{name}: expected shape {shape}, got {got}")
        if n > 1 and not np.all(np.diff(self.t_s) > 0):
            raise ValueError("MarkerSeries.t_s must be strictly increasing")

    def __len__(self) -> int:
        return len(self.t_s)

    @classmethod
    def empty(cls, width_px: int = 0, height_px: int = 0) -> MarkerSeries:
        return cls(np.zeros(0), np.zeros((0, 2, 2)), _missing_corners((0,)),
                   np.zeros((0, 2), dtype=int), width_px, height_px)

    @classmethod
    def from_frames(cls, t_s, frames, *, width_px: int, height_px: int) -> MarkerSeries:
        frames = list(frames)
        if not frames:
            return cls.empty(width_px, height_px)
        return cls(np.asarray(t_s, dtype=float),
                   np.stack([f.centre_px for f in frames]).astype(float),
                   np.stack([f.corners_px for f in frames]).astype(float),
                   np.stack([f.n_candidates for f in frames]).astype(int),
                   width_px, height_px)

    @classmethod
    def from_centres(cls, t_s, centre_px, *, width_px: int = 1920, height_px: int = 1080,
                     size_px: float = 40.0) -> MarkerSeries:
        """A series from centres only, with axis-aligned square corners of ``size_px``
        (hand-made series for tests and simulations)."""
        centre = np.asarray(centre_px, dtype=float)
        half = size_px / 2.0
        offsets = np.array([[-half, -half], [half, -half], [half, half], [-half, half]])
        corners = centre[:, :, None, :] + offsets[None, None]
        seen = np.isfinite(centre).all(axis=-1)
        return cls(np.asarray(t_s, dtype=float), centre, corners, seen.astype(int),
                   width_px, height_px)

    @property
    def seen(self) -> np.ndarray:
        """(N, 2) True where marker id 0 / id 1 was found."""
        return np.isfinite(self.centre_px).all(axis=-1)

    @property
    def both_seen(self) -> np.ndarray:
        """(N,) True where both markers were found."""
        return self.seen.all(axis=-1)

    @property
    def any_seen(self) -> bool:
        return bool(self.seen.any())

    @property
    def side_px(self) -> np.ndarray:
        """(N, 2) mean side length of each marker in pixels (NaN where not seen)."""
        edges = np.roll(self.corners_px, -1, axis=-2) - self.corners_px
        return np.linalg.norm(edges, axis=-1).mean(axis=-1)

    def summary(self) -> dict:
        """A few numbers for ``result.json`` quality."""
        n = len(self)
        seen = self.seen
        return {
            "marker_frames": n,
            "marker_right_seen_fraction": round(float(seen[:, 0].mean()), 3) if n else 0.0,
            "marker_left_seen_fraction": round(float(seen[:, 1].mean()), 3) if n else 0.0,
            "marker_both_seen_fraction": round(float(seen.all(axis=1).mean()), 3) if n else 0.0,
            "marker_duplicate_frames": int((self.n_candidates > 1).any(axis=1).sum()),
        }

    # --- landmarks.npz -------------------------------------------------------------------

    def npz_arrays(self) -> dict[str, np.ndarray]:
        """The arrays this series adds to ``landmarks.npz`` (all named ``marker_*``)."""
        return {
            f"{NPZ_PREFIX}t_s": self.t_s,
            f"{NPZ_PREFIX}centre_px": self.centre_px,
            f"{NPZ_PREFIX}corners_px": self.corners_px,
            f"{NPZ_PREFIX}n_candidates": self.n_candidates,
            f"{NPZ_PREFIX}size_px": np.array([self.width_px, self.height_px]),
        }

    @classmethod
    def from_npz_arrays(cls, arrays) -> MarkerSeries:
        """Read back :meth:`npz_arrays`; an empty series when the arrays are absent
        (``landmarks.npz`` written before markers were detected)."""
        key = f"{NPZ_PREFIX}centre_px"
        if key not in arrays:
            return cls.empty()
        w, h = (int(v) for v in arrays[f"{NPZ_PREFIX}size_px"])
        return cls(arrays[f"{NPZ_PREFIX}t_s"], arrays[key], arrays[f"{NPZ_PREFIX}corners_px"],
                   arrays[f"{NPZ_PREFIX}n_candidates"], w, h)

    @classmethod
    def load_npz(cls, path: str | Path) -> MarkerSeries:
        """The markers stored in a ``landmarks.npz`` (empty when it has none)."""
        with np.load(path) as arrays:
            return cls.from_npz_arrays(arrays)
