"""One pose model per worker, loaded once and reused for every video it analyses.

Loading MediaPipe and its two landmarkers costs time on every video when each analysis
builds its own backend. :class:`ReusedPose` keeps one :class:`MediaPipePose` per model
(path and sha256) and hands it out, reset, for each new video; the reset gives results
identical to a new backend (see :meth:`MediaPipePose.reset`).

The backend is only loaded when the first frame arrives, so an input that is not a video
at all costs nothing. It is made for one video at a time: a worker process of the batch
pool or a Dask worker thread gets its own with :func:`worker_pose` (one per thread, so a
Dask worker with several threads never shares one between two videos).
"""

from __future__ import annotations

import atexit
import threading

import numpy as np

from . import ModelInfo, PoseFrame


class ReusedPose:
    """Keeps the MediaPipe backend of the last model used; close it when done."""

    def __init__(self) -> None:
        self._key: tuple[str, str] | None = None
        self._backend = None
        self._used = False
        self.loads = 0  # how many times a model was loaded (for tests and measurements)

    def for_video(self, model: ModelInfo) -> _OneVideo:
        """A PoseBackend for one new video with ``model`` (loaded or reset on first use)."""
        return _OneVideo(self, model)

    def _acquire(self, model: ModelInfo):
        key = (model.path, model.sha256)
        if self._backend is None or key != self._key:
            self.close()
            from .mediapipe_backend import MediaPipePose  # the only mediapipe import

            self._backend = MediaPipePose(model)
            self._key = key
            self.loads += 1
        elif self._used:
            self._backend.reset()
        self._used = True
        return self._backend

    def close(self) -> None:
        if self._backend is not None:
            self._backend.close()
        self._backend = self._key = None
        self._used = False

    def __enter__(self) -> ReusedPose:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _OneVideo:
    """The PoseBackend seen by one analysis: loads (or resets) the shared one lazily."""

    def __init__(self, owner: ReusedPose, model: ModelInfo) -> None:
        self._owner = owner
        self._model = model
        self._backend = None

    def process(self, rgb: np.ndarray, t_s: float) -> PoseFrame:
        if self._backend is None:
            self._backend = self._owner._acquire(self._model)
        return self._backend.process(rgb, t_s)

    def close(self) -> None:
        """Nothing to free: the shared backend stays loaded for the next video."""


_per_thread = threading.local()
_worker_reuses: list[ReusedPose] = []
_worker_lock = threading.Lock()


@atexit.register
def _close_worker_poses() -> None:
    """Close the landmarkers before the interpreter tears down the modules they need."""
    with _worker_lock:
        for reuse in _worker_reuses:
            reuse.close()
        _worker_reuses.clear()


def worker_pose(model: ModelInfo) -> _OneVideo:
    """The reused backend of this worker thread, for one new video with ``model``.

    For worker processes (the batch's process pool, Dask workers): the model stays loaded
    until the process ends. Not for long-lived servers such as the app: use a
    :class:`ReusedPose` there and close it.
    """
    reuse = getattr(_per_thread, "reuse", None)
    if reuse is None:
        reuse = _per_thread.reuse = ReusedPose()
        with _worker_lock:
            _worker_reuses.append(reuse)
    return reuse.for_video(model)


def worker_model_loads() -> int:
    """How many times this worker process loaded a pose model (one per thread and model
    when reuse works); e.g. ``client.run(worker_model_loads)`` on a Dask cluster."""
    with _worker_lock:
        return sum(reuse.loads for reuse in _worker_reuses)
