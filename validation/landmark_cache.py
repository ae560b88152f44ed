"""Raw MediaPipe landmarks (and the printed pelvis markers found in the same frames) per
clip, cached as ``.npz`` so reruns skip the pose model.

The cache lives outside the repository, beside the pose model's
(``~/.cache/pelvic-screen/landmarks/<set>/``, under ``$PELVIC_SCREEN_CACHE`` when that is
set), or in ``$PELVIC_SCREEN_LANDMARK_CACHE/<set>/``. A cached file is keyed by the clip name, the
decoding size and the steady pose rate (``VideoConfig.steady_pose_fps``; files without it
in the name have every frame posed), and made with the default pose frame-rate cap
(``VideoConfig.max_pose_fps``; the rendered clips are 15 fps, under it); delete it to
recompute. Files cached before the markers were detected
hold no marker arrays: they are recomputed when markers are asked for.
"""

from __future__ import annotations

import os
from pathlib import Path

from screening.config import VideoConfig
from screening.files import atomic_open
from screening.landmarks import LandmarkSeries
from screening.markers import MarkerSeries
from screening.markers.series import NPZ_PREFIX
from screening.pose.model import cache_dir

DEFAULT_ROOT = Path(os.environ.get("PELVIC_SCREEN_LANDMARK_CACHE")
                    or cache_dir().parent / "landmarks")


def cache_path(video: Path, set_name: str, *, root: Path = DEFAULT_ROOT,
               max_long_side_px: int = VideoConfig.max_long_side_px,
               steady_pose_fps: float = VideoConfig.steady_pose_fps) -> Path:
    rate = "" if VideoConfig(steady_pose_fps=steady_pose_fps).steady_pose_interval_s == 0 \
        else f"_steady{steady_pose_fps:g}fps"
    return root / set_name / f"{video.stem}_{max_long_side_px}px{rate}.npz"


def raw_landmarks_and_markers(video: str | Path, set_name: str, *, root: Path = DEFAULT_ROOT,
                              max_long_side_px: int = VideoConfig.max_long_side_px,
                              steady_pose_fps: float = VideoConfig.steady_pose_fps,
                              recompute: bool = False) -> tuple[LandmarkSeries, MarkerSeries]:
    """The raw (uncleaned) landmark series of ``video`` and its markers, from the cache or
    from the pipeline's own pose pass (``estimate_pose_and_markers``)."""
    import numpy as np

    video = Path(video)
    path = cache_path(video, set_name, root=root, max_long_side_px=max_long_side_px,
                      steady_pose_fps=steady_pose_fps)
    if path.exists() and not recompute:
        with np.load(path) as arrays:
            has_markers = f"{NPZ_PREFIX}centre_px" in arrays
        if has_markers:
            return LandmarkSeries.load_npz(path), MarkerSeries.load_npz(path)
    from screening.pipeline import estimate_pose_and_markers
    from screening.pose.mediapipe_backend import MediaPipePose
    from screening.pose.model import resolve_model

    video_config = VideoConfig(steady_pose_fps=steady_pose_fps)
    with MediaPipePose(resolve_model()) as backend:
        series, markers = estimate_pose_and_markers(
            video, backend, max_long_side_px=max_long_side_px,
            min_interval_s=video_config.pose_interval_s,
            steady_interval_s=video_config.steady_pose_interval_s)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(path, "wb") as f:
        series.save_npz(f, extra=markers.npz_arrays())
    return series, markers


def raw_landmarks(video: str | Path, set_name: str, *, root: Path = DEFAULT_ROOT,
                  max_long_side_px: int = VideoConfig.max_long_side_px,
                  steady_pose_fps: float = VideoConfig.steady_pose_fps,
                  recompute: bool = False) -> LandmarkSeries:
    """The raw (uncleaned) landmark series of ``video``, from the cache or the model."""
    video = Path(video)
    path = cache_path(video, set_name, root=root, max_long_side_px=max_long_side_px,
                      steady_pose_fps=steady_pose_fps)
    if path.exists() and not recompute:
        return LandmarkSeries.load_npz(path)
    return raw_landmarks_and_markers(video, set_name, root=root,
                                     max_long_side_px=max_long_side_px,
                                     steady_pose_fps=steady_pose_fps)[0]
