"""Finding the two pelvis markers in a frame (OpenCV ArUco, DICT_4X4_50).

:func:`detect_markers` looks at one image (or a region of it) and returns a
:class:`~screening.markers.series.MarkerFrame` in that image's pixel coordinates.
:class:`MarkerTracker` is the per-video form the pipeline uses: it looks only in a region
around the pelvis found by the pose model, on the full-resolution luma of the frame (the
pose input is downscaled to 960 px, where a 5 cm marker can be too small to decode), and
returns coordinates in the pose frame's pixels so markers and landmarks share one grid.

Other marker ids are ignored. When an id is found twice in a frame, the detection
nearest to where that marker was last seen is kept (else the larger one), and the count
is recorded in ``n_candidates``.
"""

from __future__ import annotations

import numpy as np

from ..geometry import mid_hip_px, torso_length_px
from ..landmarks import LEFT_HIP, LEFT_SHOULDER, RIGHT_HIP, RIGHT_SHOULDER
from .series import MARKER_IDS, MarkerFrame

DICTIONARY = "DICT_4X4_50"
MARKER_SIZE_M = 0.05


def make_detector():
    """An ``cv2.aruco.ArucoDetector`` for DICT_4X4_50 with sub-pixel corner refinement."""
    import cv2

    params = cv2.aruco.DetectorParameters()
    params.cornerRefinementMethod = cv2.aruco.CORNER_REFINE_SUBPIX
    # markers of ~15-25 px side in a hip-region crop: allow small perimeters
    params.minMarkerPerimeterRate = 0.02
    dictionary = cv2.aruco.getPredefinedDictionary(getattr(cv2.aruco, DICTIONARY))
    return cv2.aruco.ArucoDetector(dictionary, params)


def _gray(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return image
    if image.ndim == 3 and image.shape[2] == 3:
        import cv2

        return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    raise ValueError(f"detect_markers: expected an RGB (H, W, 3) or gray (H, W) image, "
                     f"got shape {image.shape}")


def _clip_roi(roi_px, width: int, height: int) -> tuple[int, int, int, int]:
    if roi_px is None:
        return 0, 0, width, height
    x0, y0, x1, y1 = roi_px
    x0, y0 = max(0, int(np.floor(x0))), max(0, int(np.floor(y0)))
    x1, y1 = min(width, int(np.ceil(x1))), min(height, int(np.ceil(y1)))
    return x0, y0, max(x0, x1), max(y0, y1)


def detect_markers(image: np.ndarray, *, roi_px: tuple[float, float, float, float] | None = None,
                   mirrored: bool = False, near_px: np.ndarray | None = None,
                   detector=None) -> MarkerFrame:
    """Find markers id 0 (right) and id 1 (left) in ``image`` (RGB or gray, uint8).

    ``roi_px`` (x0, y0, x1, y1): look only inside this box (coordinates stay those of the
    whole image). ``mirrored``: the image is mirrored (selfie view), so the printed
    pattern is too; it is flipped back for decoding and the coordinates are mapped to the
    image as given. ``near_px`` (2, 2): where each marker was last seen, to choose
    between two detections of one id. ``detector``: a :func:`make_detector` to reuse.
    """
    gray = _gray(image)
    height, width = gray.shape
    x0, y0, x1, y1 = _clip_roi(roi_px, width, height)
    if x1 - x0 < 8 or y1 - y0 < 8:
        return MarkerFrame.missing()
    crop = gray[y0:y1, x0:x1]
    if mirrored:
        crop = crop[:, ::-1]
    crop = np.ascontiguousarray(crop)
    detector = detector or make_detector()
    corners, ids, _rejected = detector.detectMarkers(crop)
    frame = MarkerFrame.missing()
    if ids is None or len(ids) == 0:
        return frame
    found: dict[int, list[np.ndarray]] = {m: [] for m in MARKER_IDS}
    for quad, marker_id in zip(corners, ids.ravel(), strict=True):
        if int(marker_id) in found:
            q = np.asarray(quad, dtype=float).reshape(4, 2)
            if mirrored:  # back to the mirrored image, in the marker's own corner order
                q[:, 0] = (x1 - x0 - 1) - q[:, 0]
            found[int(marker_id)].append(q + np.array([x0, y0], dtype=float))
    corners_px = frame.corners_px.copy()
    n_candidates = np.zeros(2, dtype=int)
    for k, marker_id in enumerate(MARKER_IDS):
        quads = found[marker_id]
        n_candidates[k] = len(quads)
        if quads:
            corners_px[k] = _most_plausible(quads, None if near_px is None else near_px[k])
    return MarkerFrame(corners_px, corners_px.mean(axis=1), n_candidates)


def _most_plausible(quads: list[np.ndarray], near: np.ndarray | None) -> np.ndarray:
    if len(quads) == 1:
        return quads[0]
    if near is not None and np.all(np.isfinite(near)):
        distance = [np.linalg.norm(q.mean(axis=0) - near) for q in quads]
        return quads[int(np.argmin(distance))]
    perimeter = [np.linalg.norm(np.roll(q, -1, axis=0) - q, axis=1).sum() for q in quads]
    return quads[int(np.argmax(perimeter))]


def pelvis_roi_px(xy_px: np.ndarray, *, width_px: int, height_px: int,
                  side_margin: float = 0.6, above: float = 0.6, below: float = 0.4
                  ) -> tuple[float, float, float, float] | None:
    """Box around the pelvis from one frame's landmarks ``xy_px`` (33, 2), in the same
    pixels; None when the hips or shoulders are missing.

    The box spans the hips widened by ``side_margin`` torso lengths on each side, from
    ``above`` torso lengths above the hip centre to ``below`` under it. The torso
    (hip centre to shoulder centre) is ~50 cm in adults, so the defaults leave ~30 cm
    around the hips: room for the ASIS (a few cm above the hip landmarks), the iliac
    crests (~10-15 cm above) and for a marker on a belt further out.
    """
    hips = xy_px[[LEFT_HIP, RIGHT_HIP]]
    shoulders = xy_px[[LEFT_SHOULDER, RIGHT_SHOULDER]]
    if not (np.all(np.isfinite(hips)) and np.all(np.isfinite(shoulders))):
        return None
    hip_mid = mid_hip_px(xy_px)
    torso = float(torso_length_px(xy_px))
    if torso <= 1.0:
        return None
    x0 = hips[:, 0].min() - side_margin * torso
    x1 = hips[:, 0].max() + side_margin * torso
    y0 = hip_mid[1] - above * torso
    y1 = hip_mid[1] + below * torso
    x0, y0 = max(0.0, x0), max(0.0, y0)
    x1, y1 = min(float(width_px), x1), min(float(height_px), y1)
    if x1 <= x0 or y1 <= y0:
        return None
    return float(x0), float(y0), float(x1), float(y1)


class MarkerTracker:
    """Per-video marker detection for the pipeline's pose pass.

    ``process(gray_full, pose_xy_px)`` looks for the markers in the full-resolution luma
    ``gray_full`` inside the pelvis box from this frame's pose landmarks (pose-frame
    pixels), and returns a MarkerFrame in pose-frame pixels. Without a pose it reuses the
    last box for ``keep_roi_frames`` frames, then looks at the whole frame.
    """

    def __init__(self, *, pose_size_px: tuple[int, int], full_size_px: tuple[int, int],
                 mirrored: bool = False, keep_roi_frames: int = 15) -> None:
        self.detector = make_detector()
        self.mirrored = mirrored
        self.keep_roi_frames = keep_roi_frames
        self.pose_w, self.pose_h = pose_size_px
        self.full_w, self.full_h = full_size_px
        self.to_full = self.full_w / self.pose_w if self.pose_w else 1.0
        self._last_roi: tuple[float, float, float, float] | None = None
        self._roi_age = 0
        self._near_full: np.ndarray | None = None

    def process(self, gray_full: np.ndarray, pose_xy_px: np.ndarray | None) -> MarkerFrame:
        roi = None
        if pose_xy_px is not None:
            roi = pelvis_roi_px(pose_xy_px, width_px=self.pose_w, height_px=self.pose_h)
        if roi is not None:
            self._last_roi, self._roi_age = roi, 0
        elif self._last_roi is not None and self._roi_age < self.keep_roi_frames:
            roi, self._roi_age = self._last_roi, self._roi_age + 1
        roi_full = None if roi is None else tuple(v * self.to_full for v in roi)
        frame = detect_markers(gray_full, roi_px=roi_full, mirrored=self.mirrored,
                               near_px=self._near_full, detector=self.detector)
        if frame.seen.any():
            near = frame.centre_px.copy()
            if self._near_full is not None:
                near[~frame.seen] = self._near_full[~frame.seen]
            self._near_full = near
        return frame.scaled(1.0 / self.to_full)
