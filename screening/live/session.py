"""The session the webcam callback talks to: pose, protocol and recorder for one test.

The webcam callback runs in a worker thread and calls :meth:`LiveSession.process` with each
frame; the page reads :meth:`LiveSession.status` under the session's lock and never touches
the callback's objects directly.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .framing import observe
from .protocol import GuidedProtocol, LiveStatus, LiveTimings, Stage
from .recorder import Mp4Recorder


@dataclass
class LiveSession:
    """Pose + protocol + recorder behind one lock.

    ``process(rgb, t_s)`` is called from the webcam worker thread with each unmirrored
    frame and returns the mirrored preview to show. The page calls ``status()`` and, once
    the protocol is done, ``finish()`` to get the recording. ``pose`` is any object with
    ``process(rgb, t_s) -> PoseFrame`` and ``close()``.
    """

    pose: object
    recording_path: Path
    timings: LiveTimings = field(default_factory=LiveTimings)
    first_side: str = "left"
    negative_below_deg: float = 2.0
    positive_from_deg: float = 4.0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self.protocol = GuidedProtocol(self.timings, first_side=self.first_side)
        self._recorder = Mp4Recorder(self.recording_path)
        self._status = LiveStatus(Stage.FRAMING, "Starting the camera...")
        self._finished = False
        self._last_t: float | None = None
        self.frames_seen = 0
        self.error: str | None = None

    def process(self, rgb: np.ndarray, t_s: float) -> np.ndarray:
        from ..overlay import draw_pose

        with self._lock:
            if self._finished:
                return draw_pose(rgb, None, lines=[self._status.prompt], mirror=True)
            if self._last_t is not None and t_s <= self._last_t:
                t_s = self._last_t + 1e-3
            self._last_t = t_s
            self.frames_seen += 1
            try:
                frame = self.pose.process(rgb, t_s)
            except Exception as exc:  # shown on the page; the stream keeps running
                self.error = f"{type(exc).__name__}: {exc}"
                return draw_pose(rgb, None, lines=["Pose estimation failed"], mirror=True)
            found = frame.n_people > 0
            obs = observe(frame.xy_px if found else None, frame.visibility,
                          rgb.shape[1], rgb.shape[0])
            status = self.protocol.step(t_s, obs)
            if status.recording:
                self._recorder.write(rgb, t_s)
            self._status = status
            return draw_pose(rgb, frame.xy_px if found else None,
                             lines=status.overlay_lines(),
                             drop_deg=status.drop_deg if status.stage == Stage.HOLD else None,
                             mirror=True, negative_below_deg=self.negative_below_deg,
                             positive_from_deg=self.positive_from_deg)

    def status(self) -> LiveStatus:
        with self._lock:
            return self._status

    @property
    def recorded_s(self) -> float:
        with self._lock:
            return self._recorder.duration_s

    def finish(self) -> Path | None:
        """Stop recording (idempotent). Returns the mp4, or None if nothing was recorded."""
        with self._lock:
            if self._finished:
                return self.recording_path if self._recorder.frames_written else None
            self._finished = True
            path = self._recorder.close()
            try:
                self.pose.close()
            except Exception:  # closing a half-broken backend must not hide the recording
                pass
            return path


class LazyPose:
    """Builds the pose backend on the first frame, in the thread that uses it.

    Loading the model takes a moment; doing it when the camera starts keeps the page
    responsive and ties the backend to the webcam worker thread.
    """

    def __init__(self, factory) -> None:
        self._factory = factory
        self._impl = None

    def process(self, rgb: np.ndarray, t_s: float):
        if self._impl is None:
            self._impl = self._factory()
        return self._impl.process(rgb, t_s)

    def close(self) -> None:
        if self._impl is not None:
            self._impl.close()
            self._impl = None
