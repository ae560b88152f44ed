"""The session the webcam callback talks to: pose, protocol and recorder for one test.

The webcam callback runs in a worker thread and calls :meth:`LiveSession.process` with each
frame, one frame at a time. The page runs in another thread: it waits for each new status
with :meth:`LiveSession.next_status` and never touches the callback's objects directly.

Only the recorder and the published status are shared between the two threads, so only
they are behind the session's lock. Pose inference, the protocol step and drawing the
preview run outside it: a page reading the status never waits for them (at most for one
frame being written to the recording).
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..config import DecisionConfig
from ..encode import H264Writer
from .framing import observe
from .protocol import GuidedProtocol, LiveStatus, LiveTimings, Stage


@dataclass
class LiveSession:
    """Pose + protocol + recorder of one guided test.

    ``process(rgb, t_s)`` is called from the webcam worker thread with each unmirrored
    frame and returns the mirrored preview to show. The page calls ``next_status()`` (or
    ``status()``) and, once the protocol is done, ``finish()`` to get the recording.
    ``pose`` is any object with ``process(rgb, t_s) -> PoseFrame`` and ``close()``.
    """

    pose: object
    recording_path: Path
    timings: LiveTimings = field(default_factory=LiveTimings)
    first_side: str = "left"
    thresholds: DecisionConfig = field(default_factory=DecisionConfig)  # the line's colours

    def __post_init__(self) -> None:
        # guards the recorder, the status and the two flags below
        self._lock = threading.Lock()
        # each new status for the page; one place, the newest replaces an unread older one
        self._updates: queue.Queue[LiveStatus] = queue.Queue(maxsize=1)
        self.protocol = GuidedProtocol(self.timings, first_side=self.first_side)
        # unmirrored frames with their own timestamps, from 0 at the first one
        self._recorder = H264Writer(self.recording_path, crf=20, preset="veryfast")
        self._status = LiveStatus(Stage.FRAMING, "Starting the camera...")
        self._finished = False
        # a frame is in the pose backend: finish() leaves closing it to that frame
        self._in_pose = False
        self._last_t: float | None = None
        self.frames_seen = 0
        self.error: str | None = None

    def process(self, rgb: np.ndarray, t_s: float) -> np.ndarray:
        from ..overlay import draw_pose

        if not self._enter_pose():
            return draw_pose(rgb, None, lines=[self.status().prompt], mirror=True)
        if self._last_t is not None and t_s <= self._last_t:
            t_s = self._last_t + 1e-3
        self._last_t = t_s
        self.frames_seen += 1
        try:
            frame = self.pose.process(rgb, t_s)
        except Exception as exc:  # shown on the page; the stream keeps running
            frame = None
            with self._lock:
                self.error = f"{type(exc).__name__}: {exc}"
        finally:
            finished_meanwhile = self._leave_pose()
        if finished_meanwhile:
            return draw_pose(rgb, None, lines=[self.status().prompt], mirror=True)
        if frame is None:
            return draw_pose(rgb, None, lines=["Pose estimation failed"], mirror=True)
        found = frame.n_people > 0
        obs = observe(frame.xy_px if found else None, frame.visibility,
                      rgb.shape[1], rgb.shape[0])
        status = self.protocol.step(t_s, obs)
        with self._lock:
            if not self._finished:  # else the recording is closed: this frame is too late
                if status.recording:
                    self._recorder.write(rgb, t_s)
                self._publish(status)
        return draw_pose(rgb, frame.xy_px if found else None,
                         lines=status.overlay_lines(),
                         drop_deg=status.drop_deg if status.stage == Stage.HOLD else None,
                         mirror=True, thresholds=self.thresholds)

    def _enter_pose(self) -> bool:
        """A frame goes into the pose backend; False once the session is finished."""
        with self._lock:
            if self._finished:
                return False
            self._in_pose = True
            return True

    def _leave_pose(self) -> bool:
        """The frame is out of the pose backend. If finish() came meanwhile, it left the
        backend to this frame: close it now and return True."""
        with self._lock:
            self._in_pose = False
            finished = self._finished
        if finished:
            self._close_pose()
        return finished

    def _publish(self, status: LiveStatus) -> None:
        """Make ``status`` the current one and hand it to the page; the caller holds the
        lock, so this is the only thread putting into the queue and the put cannot fail."""
        self._status = status
        try:
            self._updates.get_nowait()  # not read yet: the newest status replaces it
        except queue.Empty:
            pass
        self._updates.put_nowait(status)

    def status(self) -> LiveStatus:
        """The latest status, without waiting for a new one."""
        with self._lock:
            return self._status

    def next_status(self, timeout_s: float) -> LiveStatus | None:
        """The newest status published since the last call, waiting up to ``timeout_s``
        seconds for one; None if no new status came in that time (no frame arrived)."""
        if not timeout_s >= 0:
            raise ValueError(f"timeout_s must be a number of seconds >= 0, got {timeout_s!r}")
        try:
            return self._updates.get(timeout=timeout_s)
        except queue.Empty:
            return None

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
            close_pose_here = not self._in_pose
            path = self._recorder.close()
        if close_pose_here:
            self._close_pose()
        return path

    def _close_pose(self) -> None:
        try:
            self.pose.close()
        except Exception:  # closing a half-broken backend must not hide the recording
            pass


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
