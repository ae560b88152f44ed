"""The printable marker sheet (PDF): two 5.0 cm ArUco markers, a 10 cm scale check and
where the markers go.

Sizes are exact on paper when printed at 100 % (actual size): the page is exactly A4
(210 x 297 mm) or US letter (8.5 x 11 in), and each marker's black square is placed as one
image of exactly ``MARKER_SIDE_MM``. Written with matplotlib's PDF backend (no pyplot, no
global state).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .detect import DICTIONARY

MM_PER_INCH = 25.4
MARKER_SIDE_MM = 50.0
QUIET_MM = 12.0          # white margin around each marker (a 4x4 marker's cell is 8.3 mm)
LABEL_MM = 10.0
PAPERS_MM = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}
LABELS = {0: "id 0: RIGHT side of the body", 1: "id 1: LEFT side of the body"}
MARKER_PIXELS = 300      # pixels of the embedded marker image (6 cells of 50 px)


def paper_size_mm(paper: str) -> tuple[float, float]:
    key = paper.lower()
    if key not in PAPERS_MM:
        raise ValueError(f"paper must be one of {sorted(PAPERS_MM)}, got {paper!r}")
    return PAPERS_MM[key]


def marker_image(marker_id: int, pixels: int = MARKER_PIXELS) -> np.ndarray:
    """The marker's black square (border included) as a uint8 image, ``pixels`` wide."""
    import cv2

    dictionary = cv2.aruco.getPredefinedDictionary(getattr(cv2.aruco, DICTIONARY))
    return cv2.aruco.generateImageMarker(dictionary, marker_id, pixels)


def marker_boxes_mm(paper: str) -> dict[int, tuple[float, float, float, float]]:
    """Where each marker's black square is on the page: ``{id: (x, y, w, h)}`` in mm from
    the page's bottom-left corner (PDF convention)."""
    width, height = paper_size_mm(paper)
    cell = MARKER_SIDE_MM + 2 * QUIET_MM
    gap = 12.0
    top = height - 32.0                          # cells' top edge
    y = top - QUIET_MM - MARKER_SIDE_MM
    x_right_id = width / 2 - gap / 2 - cell + QUIET_MM
    x_left_id = width / 2 + gap / 2 + QUIET_MM
    return {0: (x_right_id, y, MARKER_SIDE_MM, MARKER_SIDE_MM),
            1: (x_left_id, y, MARKER_SIDE_MM, MARKER_SIDE_MM)}


def write_marker_sheet(path: str | Path, paper: str = "A4") -> Path:
    """Write the marker sheet to ``path`` (PDF) on ``paper`` "A4" or "letter"; returns
    the path."""
    from matplotlib.backends.backend_pdf import FigureCanvasPdf

    fig = marker_sheet_figure(paper)
    FigureCanvasPdf(fig)
    path = Path(path)
    fig.savefig(path, format="pdf",
                metadata={"Title": "pelvic-screen pelvis markers", "CreationDate": None})
    return path


def marker_sheet_bytes(paper: str = "A4") -> bytes:
    """The marker sheet PDF as bytes (for a download button)."""
    import io

    from matplotlib.backends.backend_pdf import FigureCanvasPdf

    fig = marker_sheet_figure(paper)
    FigureCanvasPdf(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="pdf",
                metadata={"Title": "pelvic-screen pelvis markers", "CreationDate": None})
    return buffer.getvalue()


def marker_sheet_figure(paper: str = "A4"):
    """The sheet as a matplotlib Figure of the exact paper size (for PDF or a preview)."""
    from matplotlib.figure import Figure

    width, height = paper_size_mm(paper)
    fig = Figure(figsize=(width / MM_PER_INCH, height / MM_PER_INCH))
    page = fig.add_axes((0, 0, 1, 1))
    page.set_xlim(0, width)
    page.set_ylim(0, height)
    page.set_axis_off()

    def text(x, y, s, **kw):
        page.text(x, y, s, ha=kw.pop("ha", "left"), va=kw.pop("va", "baseline"),
                  fontsize=kw.pop("size", 9), **kw)

    text(15, height - 14, "Pelvis markers for pelvic-screen", size=15, weight="bold")
    text(15, height - 21, "Print at 100 % / actual size (not \"fit to page\"). Check the "
         "ruler below: it must measure 10.0 cm.", size=9)
    text(15, height - 26, "Cut along the dashed lines and keep the white border around each "
         "black square: the camera needs it.", size=9)

    boxes = marker_boxes_mm(paper)
    for marker_id, (x, y, w, h) in boxes.items():
        ax = fig.add_axes((x / width, y / height, w / width, h / height))
        ax.imshow(marker_image(marker_id), cmap="gray", vmin=0, vmax=255,
                  interpolation="none", extent=(0, 1, 0, 1), aspect="auto")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_axis_off()
        cx, cw = x - QUIET_MM, w + 2 * QUIET_MM
        cy, ch = y - QUIET_MM - LABEL_MM, h + 2 * QUIET_MM + LABEL_MM
        page.plot([cx, cx + cw, cx + cw, cx, cx], [cy, cy, cy + ch, cy + ch, cy],
                  color="0.4", linestyle=(0, (4, 3)), linewidth=0.6)
        text(cx + cw / 2, cy + 4, LABELS[marker_id], ha="center", size=8.5, weight="bold")

    ruler_y = boxes[0][1] - QUIET_MM - LABEL_MM - 22.0
    _ruler(page, x0=(width - 100.0) / 2, y=ruler_y)
    text(width / 2, ruler_y - 11, "This line must measure 10.0 cm. If it does not, the "
         "printer scaled the page: print again at 100 % (actual size).", ha="center", size=8)
    _placement(fig, page, width=width, top=ruler_y - 20)
    return fig


def _ruler(page, *, x0: float, y: float) -> None:
    page.plot([x0, x0 + 100.0], [y, y], color="black", linewidth=0.6)
    for mm in range(0, 101):
        length = 5.0 if mm % 10 == 0 else 3.5 if mm % 5 == 0 else 2.0
        page.plot([x0 + mm, x0 + mm], [y, y + length], color="black", linewidth=0.3)
        if mm % 10 == 0:
            page.text(x0 + mm, y + 6.0, f"{mm // 10}", ha="center", va="bottom", fontsize=6)
    page.text(x0 + 101.5, y, "cm", va="center", fontsize=7)


def _placement(fig, page, *, width: float, top: float) -> None:
    """Where the markers go: front and back sketches and the reasons."""
    page.text(15, top, "Where the markers go", fontsize=11, weight="bold")
    panel_w, panel_h = 70.0, 62.0
    for k, view in enumerate(("front", "back")):
        x = 22.0 + k * (panel_w + 28.0)
        y = top - 6 - panel_h
        ax = fig.add_axes((x / width, y / page.get_ylim()[1], panel_w / width,
                           panel_h / page.get_ylim()[1]))
        _sketch(ax, view)
    lines = [
        "FRONT view (facing the camera): one marker on each ASIS, the bony points you feel at "
        "the front",
        "of the pelvis (about 22-25 cm apart). Seen from the front, id 0 (your RIGHT) is on "
        "the image left.",
        "BACK view (back to the camera): on the back of the iliac crests, the top of the hip "
        "bones, or on a snug",
        "belt at that level, well out to the sides. Not on the two dimples (PSIS): they are "
        "only 8-10 cm apart,",
        "so 1 mm of error there is about 0.6 degrees of tilt; further apart, the same error "
        "counts less.",
        "Tape the markers flat on the skin, or clip them to a snug waistband that cannot "
        "slide. Keep arms and",
        "hands away from them. Markers give the most reliable pelvic-drop number that "
        "pelvic-screen gives.",
    ]
    y = top - 6 - panel_h - 8
    for line in lines:
        page.text(15, y, line, fontsize=8)
        y -= 4.6


def _sketch(ax, view: str) -> None:
    """A simple trunk-and-pelvis outline with the two marker places, in a unitless frame
    (x: image left to right; the subject faces the camera in the front view)."""
    ax.set_xlim(-35, 35)
    ax.set_ylim(-32, 30)
    ax.set_aspect("equal")
    ax.set_axis_off()
    body_x = [-17, -13, -19, -16, -4, 0, 4, 16, 19, 13, 17]
    body_y = [30, 12, 0, -30, -30, -14, -30, -30, 0, 12, 30]
    ax.plot(body_x, body_y, color="0.35", linewidth=0.9)
    crest = np.linspace(-1, 1, 41)
    ax.plot(17 * crest, 6 - 3 * crest ** 2, color="0.6", linewidth=0.8)  # iliac crests
    if view == "front":
        places = {0: (-10.5, 2.0), 1: (10.5, 2.0)}   # the subject's right on the image left
        ax.text(0, -31.5, "front: markers on both ASIS", ha="center", va="top", fontsize=7)
    else:
        places = {0: (14.0, 4.5), 1: (-14.0, 4.5)}   # seen from behind: right on the right
        for sx in (-4.5, 4.5):                        # the PSIS dimples: not here
            ax.plot(sx, -1.0, marker="x", color="0.3", markersize=4)
        ax.text(0, -5.0, "PSIS: not here", ha="center", va="top", fontsize=6)
        ax.text(0, -31.5, "back: on the crests or a belt", ha="center", va="top", fontsize=7)
    for marker_id, (mx, my) in places.items():
        ax.add_patch(_square(mx, my, 5.0))
        side = "R" if marker_id == 0 else "L"
        ax.text(mx, my + 4.0, f"id {marker_id} ({side})", ha="center", va="bottom", fontsize=6)


def _square(x: float, y: float, side: float):
    from matplotlib.patches import Rectangle

    return Rectangle((x - side / 2, y - side / 2), side, side, facecolor="black",
                     edgecolor="black")
