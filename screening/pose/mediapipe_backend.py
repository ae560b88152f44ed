"""The MediaPipe adapter: the only module of the project that imports mediapipe.

It turns RGB frames into :class:`screening.pose.PoseFrame` (NaN where nobody is found)
with the Tasks ``PoseLandmarker`` in VIDEO mode (timestamps from the container) or IMAGE
mode, and it adds the TFLite metadata the Tasks API needs to the model files
(see :mod:`screening.pose.model`).
"""

from __future__ import annotations

import contextlib
import os
import sys
import types

import numpy as np

from ..errors import ModelError
from ..geometry import largest_offset_torso
from ..landmarks import N_LANDMARKS
from . import ModelInfo, PoseFrame, mean_brightness

os.environ.setdefault("GLOG_minloglevel", "2")  # keep MediaPipe's C++ logging quiet

import mediapipe as mp
from mediapipe.tasks.python import BaseOptions, vision


@contextlib.contextmanager
def _quiet_native_stderr():
    """Silence the C++ runtime's chatter on file descriptor 2 (Python errors still raise)."""
    try:
        saved = os.dup(2)
    except OSError:  # no usable stderr (e.g. some test runners): nothing to silence
        yield
        return
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _install_metadata_version_shim() -> None:
    """mediapipe 1.2.x ships the metadata writer but not its native version helper.

    The helper only computes the minimum metadata-parser version; for input
    normalisation and image properties that is 1.0.0 (metadata_schema.fbs).
    """
    name = "mediapipe.tasks.cc.metadata.python._pywrap_metadata_version"
    if name in sys.modules:
        return
    try:
        __import__(name)
        return
    except ImportError:
        pass
    helper = types.ModuleType(name)
    helper.GetMinimumMetadataParserVersion = lambda *args, **kwargs: "1.0.0"
    parent = None
    for part in ("mediapipe.tasks.cc", "mediapipe.tasks.cc.metadata",
                 "mediapipe.tasks.cc.metadata.python"):
        module = sys.modules.setdefault(part, types.ModuleType(part))
        if parent is not None:
            setattr(parent, part.rsplit(".", 1)[1], module)
        parent = module
    sys.modules[name] = helper
    parent._pywrap_metadata_version = helper


def with_image_metadata(model: bytes, *, name: str, mean: float, std: float) -> bytes:
    """Return ``model`` with TFLite metadata for one RGB image input (mean/std normalisation)."""
    _install_metadata_version_shim()
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer

    writer = metadata_writer.MetadataWriter.create(bytearray(model))
    writer.add_general_info(name, "")
    writer.add_image_input(norm_mean=[mean], norm_std=[std])
    populated, _ = writer.populate()
    return bytes(populated)


class MediaPipePose:
    """Pose landmarks for a stream of frames (VIDEO mode) or single images (IMAGE mode).

    Use as a context manager, or call :meth:`close`. One person is tracked (tracking one
    is much cheaper than looking for two in every frame); every ``people_check_s`` seconds
    a second, IMAGE-mode landmarker counts the people in the frame (up to 2), so that a
    second person is noticed. ``people_check_s=None`` turns the check off.

    In VIDEO mode MediaPipe looks for the person only while it has lost them, and otherwise
    takes each frame's search region from the previous frame's landmarks. A first detection
    on a blurred frame (a webcam focusing, a video call's first low-bitrate frames) can
    leave it tracking a wrong, shrunken body for as long as the stream lasts: on a rendered
    clip whose first three frames were blurred, the head was placed on the chest and the
    body filled 40 % of the picture height instead of 60 %, for every later frame.
    ``tracking_check_s`` (seconds, ``None`` = off) compares the tracked pose every so often
    with a fresh IMAGE-mode detection of the same frame; when one of the body points (head,
    shoulders, hips, knees, ankles) is more than ``max_tracking_offset_torso`` torso lengths
    away, tracking starts again from a fresh detection of that frame.
    """

    def __init__(self, model: ModelInfo, *, video_mode: bool = True,
                 people_check_s: float | None = 1.0, min_detection_confidence: float = 0.5,
                 min_presence: float = 0.5, min_tracking_confidence: float = 0.5,
                 tracking_check_s: float | None = None,
                 max_tracking_offset_torso: float = 0.5) -> None:
        self._model = model
        self._confidences = dict(min_pose_detection_confidence=min_detection_confidence,
                                 min_pose_presence_confidence=min_presence,
                                 min_tracking_confidence=min_tracking_confidence)
        self._video_mode = video_mode
        self._people_check_s = people_check_s
        self._tracking_check_s = tracking_check_s if video_mode else None
        self._max_tracking_offset_torso = max_tracking_offset_torso
        self._landmarker = self._counter = self._checker = None
        self.tracking_restarts = 0    # times tracking started again after a failed check
        try:
            with _quiet_native_stderr():
                self._landmarker = self._make(vision.RunningMode.VIDEO if video_mode
                                              else vision.RunningMode.IMAGE, 1)
                if people_check_s is not None:
                    self._counter = self._make(vision.RunningMode.IMAGE, 2)
                if self._tracking_check_s is not None:
                    self._checker = self._make(vision.RunningMode.IMAGE, 1)
        except ModelError:
            self.close()
            raise
        self._start()

    def _make(self, mode, num_poses):
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=self._model.path),
            running_mode=mode, num_poses=num_poses, **self._confidences)
        try:
            return vision.PoseLandmarker.create_from_options(options)
        except Exception as exc:  # mediapipe raises RuntimeError/ValueError with C++ text
            raise ModelError(f"MediaPipe could not load the pose model {self._model.path}: {exc}",
                             "Run `pelvic-screen model --install` to rebuild the model.") from None

    def _start(self) -> None:
        self._last_check_t: float | None = None
        self._last_tracking_check_t: float | None = None
        self._people_seen = 0
        self._last_ms = -1
        self._first = True

    def reset(self) -> None:
        """Make the backend ready for another video, with results identical to a new one.

        A VIDEO-mode landmarker keeps tracking and smoothing state from frame to frame and
        has no way to clear it, so that one is created again; the IMAGE-mode people counter
        keeps no state between images and is kept. That saves about 0.2 s per video over a
        new backend (benchmarks/model_reuse.py). Timestamps may start again from zero.
        """
        if self._video_mode:
            self._new_tracker()
        self._start()

    def _new_tracker(self) -> None:
        """A new VIDEO-mode landmarker: no tracking or smoothing state, timestamps free."""
        with _quiet_native_stderr():
            if self._landmarker is not None:
                self._landmarker.close()
            self._landmarker = None
            self._landmarker = self._make(vision.RunningMode.VIDEO, 1)

    def _tracking_check_due(self, t_s: float) -> bool:
        if self._checker is None or (self._last_tracking_check_t is not None and t_s
                                     - self._last_tracking_check_t < self._tracking_check_s):
            return False
        self._last_tracking_check_t = t_s
        return True

    def _tracking_went_wrong(self, image, tracked, width: int, height: int) -> bool:
        """Is the tracked pose far from a fresh detection of the same frame? (False when
        either finds nobody: then MediaPipe looks for the person again by itself.)"""
        fresh = self._checker.detect(image)
        if not tracked.pose_landmarks or not fresh.pose_landmarks:
            return False
        offset = largest_offset_torso(_pixels(tracked.pose_landmarks[0], width, height),
                                      _pixels(fresh.pose_landmarks[0], width, height))
        return offset > self._max_tracking_offset_torso

    def __enter__(self) -> MediaPipePose:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        with _quiet_native_stderr():
            for landmarker in (self._landmarker, self._counter, self._checker):
                if landmarker is not None:
                    landmarker.close()
        self._landmarker = self._counter = self._checker = None

    def process(self, rgb: np.ndarray, t_s: float) -> PoseFrame:
        """Landmarks of the main person in an unmirrored RGB frame (H, W, 3 uint8)."""
        height, width = rgb.shape[:2]
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        luma = mean_brightness(rgb)
        with _quiet_native_stderr() if self._first else contextlib.nullcontext():
            if self._video_mode:
                t_ms = max(int(round(t_s * 1000.0)), self._last_ms + 1)
                self._last_ms = t_ms
                result = self._landmarker.detect_for_video(image, t_ms)
                if self._tracking_check_due(t_s) and self._tracking_went_wrong(image, result,
                                                                                width, height):
                    self._new_tracker()
                    self.tracking_restarts += 1
                    result = self._landmarker.detect_for_video(image, t_ms)
            else:
                result = self._landmarker.detect(image)
            if self._counter is not None and (
                    self._last_check_t is None or t_s - self._last_check_t >= self._people_check_s):
                self._last_check_t = t_s
                self._people_seen = len(self._counter.detect(image).pose_landmarks)
        self._first = False
        people = result.pose_landmarks
        if not people:
            return PoseFrame.empty(t_s, luma)
        chosen = 0
        image_lms = people[chosen]
        xy = _pixels(image_lms, width, height)
        vis = np.array([lm.visibility if lm.visibility is not None else np.nan for lm in image_lms])
        pres = np.array([lm.presence if lm.presence is not None else np.nan for lm in image_lms])
        if result.pose_world_landmarks and len(result.pose_world_landmarks) > chosen:
            world = np.array([[lm.x, lm.y, lm.z] for lm in result.pose_world_landmarks[chosen]])
        else:
            world = np.full((N_LANDMARKS, 3), np.nan)
        return PoseFrame(t_s=t_s, xy_px=xy, visibility=vis, presence=pres, world_xyz_m=world,
                         n_people=max(len(people), self._people_seen), luma_mean=luma)


def _pixels(landmarks, width: int, height: int) -> np.ndarray:
    """(33, 2) pixel positions of one pose's normalised landmarks."""
    return np.array([[lm.x * width, lm.y * height] for lm in landmarks], dtype=float)
