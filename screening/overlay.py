"""Drawing on frames: skeleton, pelvis line, live angle, phase and side (no analysis here).

Works on RGB uint8 images in place-free style (returns a new image). Used for the
annotated video and for the live webcam preview.
"""

from __future__ import annotations

import cv2
import numpy as np

from .config import DecisionConfig
from .landmarks import LEFT_HIP, LEFT_SHOULDER, RIGHT_HIP, RIGHT_SHOULDER, SKELETON_EDGES
from .results import Classification, drop_band

WHITE = (255, 255, 255)
GREEN = (40, 200, 90)
AMBER = (250, 180, 30)
RED = (230, 60, 50)
GREY = (160, 160, 160)
CYAN = (60, 200, 230)


BAND_COLOURS = {Classification.NEGATIVE: GREEN, Classification.BORDERLINE: AMBER,
                Classification.POSITIVE: RED, Classification.INCONCLUSIVE: GREY}


def drop_colour(drop_deg: float | None,
                thresholds: DecisionConfig | None) -> tuple[int, int, int]:
    """The pelvis line's colour: the band of the drop (grey without a drop or thresholds)."""
    if thresholds is None:
        return GREY
    return BAND_COLOURS[drop_band(drop_deg, thresholds)]


def _pt(xy: np.ndarray, scale: float) -> tuple[int, int] | None:
    if not np.all(np.isfinite(xy)):
        return None
    return int(round(xy[0] * scale)), int(round(xy[1] * scale))


def draw_pose(rgb: np.ndarray, xy_px: np.ndarray | None, *, lines: list[str] = (),
              drop_deg: float | None = None, scale: float = 1.0, mirror: bool = False,
              thresholds: DecisionConfig | None = None) -> np.ndarray:
    """Return a copy of ``rgb`` with the skeleton, pelvis and trunk lines and text lines.

    ``xy_px`` (33, 2) are landmark pixels of the frame they were measured on, times
    ``scale`` for this image. ``mirror`` flips the image *and* the drawing for a selfie
    preview (inference stays on the unmirrored frame). The pelvis line takes the colour of
    the band of ``drop_deg`` under ``thresholds`` (grey without them).
    """
    out = np.ascontiguousarray(rgb[:, ::-1] if mirror else rgb).copy()
    h, w = out.shape[:2]
    thick = max(2, int(round(min(h, w) / 240)))
    if xy_px is not None:
        xy = np.array(xy_px, dtype=float)
        if mirror:
            xy[:, 0] = w / scale - xy[:, 0]
        for a, b in SKELETON_EDGES:
            pa, pb = _pt(xy[a], scale), _pt(xy[b], scale)
            if pa and pb:
                cv2.line(out, pa, pb, WHITE, thick, cv2.LINE_AA)
        for j in range(11, 33):
            p = _pt(xy[j], scale)
            if p:
                cv2.circle(out, p, thick + 1, CYAN, -1, cv2.LINE_AA)
        colour = drop_colour(drop_deg, thresholds)
        left_hip, right_hip = _pt(xy[LEFT_HIP], scale), _pt(xy[RIGHT_HIP], scale)
        if left_hip and right_hip:
            # pelvis line, extended beyond the hips so its tilt is easy to see
            v = np.subtract(left_hip, right_hip)
            a = tuple(int(c) for c in np.add(right_hip, -0.5 * v))
            b = tuple(int(c) for c in np.add(left_hip, 0.5 * v))
            cv2.line(out, a, b, colour, thick * 2, cv2.LINE_AA)
        ls, rs = _pt(xy[LEFT_SHOULDER], scale), _pt(xy[RIGHT_SHOULDER], scale)
        if ls and rs and left_hip and right_hip:
            mid_s = ((ls[0] + rs[0]) // 2, (ls[1] + rs[1]) // 2)
            mid_h = ((left_hip[0] + right_hip[0]) // 2, (left_hip[1] + right_hip[1]) // 2)
            cv2.line(out, mid_h, mid_s, AMBER, thick, cv2.LINE_AA)
    draw_text_lines(out, lines)
    return out


def draw_text_lines(img: np.ndarray, lines, *, origin: tuple[int, int] | None = None) -> None:
    """Text with a dark backing box in the top-left corner (in place)."""
    lines = [str(s) for s in lines if s]
    if not lines:
        return
    h, w = img.shape[:2]
    font_scale = max(0.45, min(h, w) / 900)
    thickness = max(1, int(round(font_scale * 2)))
    sizes = [cv2.getTextSize(s, cv2.FONT_HERSHEY_SIMPLEX, font_scale, thickness)[0] for s in lines]
    line_h = max(s[1] for s in sizes) + int(10 * font_scale) + 4
    x0, y0 = origin or (int(8 * font_scale), int(8 * font_scale))
    box_w = max(s[0] for s in sizes) + 12
    x1, y1 = min(x0 + box_w, w), min(y0 + line_h * len(lines) + 6, h)
    box = img[y0:y1, x0:x1]  # darken only the box behind the text
    box[:] = (box * 0.45).astype(img.dtype)
    for i, s in enumerate(lines):
        cv2.putText(img, s, (x0 + 6, y0 + line_h * (i + 1)), cv2.FONT_HERSHEY_SIMPLEX,
                    font_scale, WHITE, thickness, cv2.LINE_AA)
