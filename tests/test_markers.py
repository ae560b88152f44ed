"""Printed pelvis markers: detection, marker drop, the sheet, agreement, storage, CLI.

No pose model is needed: images are made here (a photographed sheet, a painted clip) and
marker series are written by hand with known angles.
"""

from __future__ import annotations

import json
import re
import zlib

import cv2
import numpy as np
import pytest
from fakes import ReplayBackend, front_pose, series_from_xy, single_leg_series, write_video

from screening import Config, analyse_video
from screening.cli import main
from screening.landmarks import LEFT_HIP, RIGHT_HIP, LandmarkSeries
from screening.markers import MarkerSeries
from screening.markers.agreement import collect_agreement
from screening.markers.detect import detect_markers, pelvis_roi_px
from screening.markers.drop import (
    marker_drop_deg,
    marker_evidence,
    marker_obliquity_deg,
    marker_sides_agree,
)
from screening.markers.sheet import (
    MARKER_SIDE_MM,
    PAPERS_MM,
    marker_boxes_mm,
    marker_image,
    marker_sheet_figure,
    write_marker_sheet,
)
from screening.phases import Hold

MM_PER_PT = 25.4 / 72


# --- detection on a photographed sheet ------------------------------------------------

def _render_sheet(dpi: float = 100.0) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """The A4 sheet rendered to pixels, and each marker's outer corners in pixel-centre
    coordinates (top-left, top-right, bottom-right, bottom-left)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = marker_sheet_figure("A4")
    canvas = FigureCanvasAgg(fig)
    fig.set_dpi(dpi)
    canvas.draw()
    rgb = np.asarray(canvas.buffer_rgba())[..., :3].copy()
    page_h_mm = PAPERS_MM["a4"][1]
    px = dpi / 25.4
    corners = {}
    for marker_id, (x, y, w, h) in marker_boxes_mm("A4").items():
        left, right = x * px - 0.5, (x + w) * px - 0.5
        top, bottom = (page_h_mm - y - h) * px - 0.5, (page_h_mm - y) * px - 0.5
        corners[marker_id] = np.array([[left, top], [right, top], [right, bottom],
                                       [left, bottom]])
    return rgb, corners


def _photograph(rgb: np.ndarray, corners: dict[int, np.ndarray], *, seed: int = 0):
    """Perspective, blur, uneven light, noise and a JPEG round trip; returns the photo
    and the true marker corners in it."""
    h, w = rgb.shape[:2]
    src = np.float32([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]])
    dst = np.float32([[55, 25], [335, 50], [360, 420], [25, 385]])
    homography = cv2.getPerspectiveTransform(src, dst)
    photo = cv2.warpPerspective(rgb, homography, (400, 450), flags=cv2.INTER_AREA,
                                borderValue=(70, 70, 70)).astype(float)
    photo = cv2.GaussianBlur(photo, (0, 0), 0.8)
    yy, xx = np.mgrid[0:photo.shape[0], 0:photo.shape[1]]
    light = 0.55 + 0.45 * (xx / photo.shape[1]) * (0.6 + 0.4 * yy / photo.shape[0])
    photo = photo * light[..., None]
    photo += np.random.default_rng(seed).normal(0, 4.0, photo.shape)
    photo = np.clip(photo, 0, 255).astype(np.uint8)
    ok, jpeg = cv2.imencode(".jpg", photo, [cv2.IMWRITE_JPEG_QUALITY, 70])
    assert ok
    photo = cv2.imdecode(jpeg, cv2.IMREAD_UNCHANGED)
    true = {k: cv2.perspectiveTransform(c[None].astype(np.float64), homography)[0]
            for k, c in corners.items()}
    return photo, true


def _corner_errors(found: np.ndarray, true: np.ndarray) -> np.ndarray:
    return np.array([np.min(np.linalg.norm(found - c, axis=1)) for c in true])


def test_markers_found_on_a_photographed_sheet():
    rgb, corners = _render_sheet()
    photo, true = _photograph(rgb, corners)
    side_px = np.linalg.norm(true[0][1] - true[0][0])
    assert 50 < side_px < 110  # a small marker, as on a body a few metres away
    frame = detect_markers(photo)
    assert frame.seen.all()
    for k in (0, 1):
        errors = _corner_errors(frame.corners_px[k], true[k])
        assert errors.max() < 1.0, (k, errors)
        assert np.linalg.norm(frame.centre_px[k] - true[k].mean(axis=0)) < 0.5
    assert list(frame.n_candidates) == [1, 1]


def test_detection_inside_a_region_keeps_whole_image_coordinates():
    rgb, corners = _render_sheet()
    photo, true = _photograph(rgb, corners, seed=1)
    box = true[1]
    roi = (box[:, 0].min() - 30, box[:, 1].min() - 30, box[:, 0].max() + 30,
           box[:, 1].max() + 30)
    frame = detect_markers(photo, roi_px=roi)
    assert list(frame.seen) == [False, True]  # id 0 is outside the region
    assert _corner_errors(frame.corners_px[1], true[1]).max() < 1.0


def test_mirrored_image_is_decoded_and_mapped_back():
    rgb, corners = _render_sheet()
    photo, true = _photograph(rgb, corners, seed=2)
    mirrored = np.ascontiguousarray(photo[:, ::-1])
    width = photo.shape[1]
    assert not detect_markers(mirrored).seen.any()  # a mirrored pattern does not decode
    frame = detect_markers(mirrored, mirrored=True)
    assert frame.seen.all()
    for k in (0, 1):
        expected = true[k].copy()
        expected[:, 0] = width - 1 - expected[:, 0]
        assert _corner_errors(frame.corners_px[k], expected).max() < 1.0


def _paste_marker(image: np.ndarray, marker_id: int, centre_xy, side_px: int) -> None:
    quiet = side_px // 3
    tile = np.full((side_px + 2 * quiet, side_px + 2 * quiet), 255, np.uint8)
    tile[quiet:quiet + side_px, quiet:quiet + side_px] = marker_image(marker_id, side_px)
    x0 = int(round(centre_xy[0])) - tile.shape[1] // 2
    y0 = int(round(centre_xy[1])) - tile.shape[0] // 2
    image[y0:y0 + tile.shape[0], x0:x0 + tile.shape[1]] = tile[..., None]


def test_other_ids_are_ignored_and_a_duplicate_is_resolved():
    image = np.full((400, 900, 3), 128, np.uint8)
    _paste_marker(image, 0, (150, 200), 90)
    _paste_marker(image, 0, (450, 200), 60)
    _paste_marker(image, 7, (750, 200), 60)
    frame = detect_markers(image)
    assert list(frame.seen) == [True, False]
    assert list(frame.n_candidates) == [2, 0]
    assert np.allclose(frame.centre_px[0], (150, 200), atol=1.5)  # the larger one
    near = np.array([[440.0, 210.0], [np.nan, np.nan]])
    frame = detect_markers(image, near_px=near)
    assert np.allclose(frame.centre_px[0], (450, 200), atol=1.5)  # where it was last seen


def test_pelvis_region_from_the_pose():
    xy = front_pose()
    roi = pelvis_roi_px(xy, width_px=540, height_px=960)
    x0, y0, x1, y1 = roi
    hips = xy[[LEFT_HIP, RIGHT_HIP]]
    assert x0 < hips[:, 0].min() and x1 > hips[:, 0].max()
    assert y0 < hips[:, 1].min() - 60 and y1 > hips[:, 1].max()  # room for the iliac crests
    xy[LEFT_HIP] = np.nan
    assert pelvis_roi_px(xy, width_px=540, height_px=960) is None


# --- marker drop on hand-made series --------------------------------------------------

FPS = 30.0
N = 240                     # 8 s
HOLD = dict(lift_start=45, hold_start=60, hold_end=200, lift_end=215, baseline=(0, 30))
STEADY = slice(70, 190)


def _marker_centres(*, lifted_side: str, drop_deg: float, view: str, roll_deg: float = 0.0,
                    separation_px: float = 240.0) -> np.ndarray:
    """(N, 2, 2) centres: marker 0 (right) and 1 (left); the lifted side goes down by
    ``drop_deg`` during the hold (ramped over the lift), the camera rolled by ``roll_deg``."""
    t = np.arange(N)
    ramp = np.clip((t - HOLD["lift_start"]) / (HOLD["hold_start"] - HOLD["lift_start"]), 0, 1)
    ramp = np.where(t >= HOLD["hold_end"],
                    np.clip(1 - (t - HOLD["hold_end"]) / 15, 0, 1), ramp)
    # elevation of the left marker over the right one, in the subject's frontal plane
    elevation = np.radians(np.where(lifted_side == "left", -1.0, 1.0) * drop_deg * ramp)
    toward_left = 1.0 if view == "front" else -1.0   # image direction of the subject's left
    right = np.column_stack([np.full(N, 640.0 - toward_left * separation_px / 2),
                             np.full(N, 420.0)])
    left = right + np.column_stack([toward_left * separation_px * np.cos(elevation),
                                    -separation_px * np.sin(elevation)])
    centres = np.stack([right, left], axis=1)
    roll = np.radians(roll_deg)
    rot = np.array([[np.cos(roll), -np.sin(roll)], [np.sin(roll), np.cos(roll)]])
    pivot = np.array([640.0, 360.0])
    return (centres - pivot) @ rot.T + pivot


def _series(centres: np.ndarray) -> MarkerSeries:
    return MarkerSeries.from_centres(np.arange(len(centres)) / FPS, centres)


def _hold(lifted_side: str) -> Hold:
    return Hold(lifted_side=lifted_side, **HOLD)


@pytest.mark.parametrize("view", ["front", "back"])
@pytest.mark.parametrize("lifted_side", ["left", "right"])
@pytest.mark.parametrize("drop", [6.0, -2.0])
def test_marker_drop_reads_the_known_angle_and_cancels_camera_roll(view, lifted_side, drop):
    centres = _marker_centres(lifted_side=lifted_side, drop_deg=drop, view=view, roll_deg=4.0)
    markers = _series(centres)
    result = marker_drop_deg(markers, markers.t_s, _hold(lifted_side))
    assert result.measured.all() and not result.bridged.any()
    assert abs(result.baseline_deg) == pytest.approx(4.0, abs=1e-6)  # the roll, not a drop
    assert np.nanmedian(result.drop_deg[STEADY]) == pytest.approx(drop, abs=1e-6)
    assert np.allclose(result.drop_deg[HOLD["baseline"][0]:HOLD["baseline"][1]], 0, atol=1e-9)
    evidence = marker_evidence(result, STEADY)
    assert evidence.usable and evidence.reason == "" and evidence.coverage == 1.0


def test_obliquity_is_the_same_formula_for_front_and_back_views():
    front = _marker_centres(lifted_side="left", drop_deg=5.0, view="front")
    back = _marker_centres(lifted_side="left", drop_deg=5.0, view="back")
    assert np.allclose(marker_obliquity_deg(front), marker_obliquity_deg(back))
    assert marker_obliquity_deg(front)[100] == pytest.approx(-5.0)  # left side lower


def test_a_short_gap_is_bridged_and_flagged():
    centres = _marker_centres(lifted_side="right", drop_deg=5.0, view="front")
    centres[100:115, 1] = np.nan   # the left marker hidden for 0.5 s during the hold
    result = marker_drop_deg(_series(centres), np.arange(N) / FPS, _hold("right"))
    assert result.bridged[100:115].all() and not result.measured[100:115].any()
    assert result.bridged.sum() == 15
    assert np.allclose(result.drop_deg[100:115], 5.0, atol=1e-6)
    evidence = marker_evidence(result, STEADY)
    assert evidence.usable
    assert evidence.coverage == 1.0 and evidence.bridged_fraction == pytest.approx(15 / 120)


def test_a_long_gap_is_not_bridged_and_makes_the_hold_unusable():
    centres = _marker_centres(lifted_side="right", drop_deg=5.0, view="back")
    centres[80:140, 0] = np.nan   # 2 s without the right marker
    result = marker_drop_deg(_series(centres), np.arange(N) / FPS, _hold("right"),
                             max_bridge_s=1.0)
    assert np.isnan(result.drop_deg[80:140]).all() and not result.bridged.any()
    assert result.coverage(STEADY) == pytest.approx(60 / 120)
    evidence = marker_evidence(result, STEADY)
    assert not evidence.usable and "50%" in evidence.reason


def test_losing_both_markers_is_not_usable_with_a_reason():
    centres = np.full((N, 2, 2), np.nan)
    result = marker_drop_deg(_series(centres), np.arange(N) / FPS, _hold("left"))
    assert np.isnan(result.drop_deg).all()
    evidence = marker_evidence(result, STEADY)
    assert not evidence.usable and "not both seen" in evidence.reason
    empty = marker_drop_deg(MarkerSeries.empty(), np.arange(N) / FPS, _hold("left"))
    assert not marker_evidence(empty, STEADY).usable


def test_markers_missing_on_two_legs_give_no_baseline():
    centres = _marker_centres(lifted_side="left", drop_deg=5.0, view="front")
    centres[:40, 1] = np.nan
    result = marker_drop_deg(_series(centres), np.arange(N) / FPS, _hold("left"))
    assert np.isnan(result.drop_deg).all()
    evidence = marker_evidence(result, STEADY)
    assert not evidence.usable and "two legs" in evidence.reason
    no_baseline = Hold("left", 45, 60, 200, 215, None)
    evidence = marker_evidence(marker_drop_deg(_series(centres), np.arange(N) / FPS,
                                               no_baseline), STEADY)
    assert not evidence.usable and "no two-leg stance" in evidence.reason


def test_a_stray_detection_far_from_the_other_marker_is_not_measured():
    centres = _marker_centres(lifted_side="left", drop_deg=5.0, view="front")
    centres[120, 1] = (1500.0, 200.0)   # id 1 found on something else for one frame
    result = marker_drop_deg(_series(centres), np.arange(N) / FPS, _hold("left"))
    assert not result.measured[120] and result.bridged[120]
    assert result.drop_deg[120] == pytest.approx(5.0, abs=1e-6)


def test_markers_on_the_wrong_sides_are_caught():
    xy = np.repeat(front_pose()[None], N, axis=0)
    landmarks = series_from_xy(xy)
    right_hip, left_hip = xy[0, RIGHT_HIP], xy[0, LEFT_HIP]
    centres = np.repeat(np.stack([right_hip, left_hip])[None] - (0, 20), N, axis=0)
    markers = MarkerSeries.from_centres(landmarks.t_s, centres)
    assert marker_sides_agree(markers, landmarks) == 1.0
    swapped = MarkerSeries.from_centres(landmarks.t_s, centres[:, ::-1])
    assert marker_sides_agree(swapped, landmarks) == 0.0
    drop = marker_drop_deg(swapped, landmarks.t_s, _hold("left"))
    evidence = marker_evidence(drop, STEADY, sides_agree=marker_sides_agree(swapped, landmarks))
    assert not evidence.usable and "swapped" in evidence.reason


def test_markers_sampled_at_other_times_are_matched_to_the_frames():
    centres = _marker_centres(lifted_side="left", drop_deg=5.0, view="front")
    markers = MarkerSeries.from_centres(np.arange(N) / FPS + 0.004, centres)
    result = marker_drop_deg(markers, np.arange(N) / FPS, _hold("left"))
    assert result.measured.all()
    assert np.nanmedian(result.drop_deg[STEADY]) == pytest.approx(5.0, abs=1e-6)


# --- the sheet ------------------------------------------------------------------------

def _pdf_streams(data: bytes) -> list[bytes]:
    out = []
    for m in re.finditer(rb"stream\r?\n", data):
        end = data.find(b"endstream", m.end())
        try:
            out.append(zlib.decompress(data[m.end():end]))
        except zlib.error:
            out.append(data[m.end():end])
    return out


def _image_boxes_pt(data: bytes) -> list[tuple[float, float, float, float]]:
    """(x, y, w, h) in points of every image drawn in the PDF, from the content stream's
    ``cm`` matrices between ``q`` and ``/Name Do``."""
    boxes = []
    number = rb"[-+]?(?:\d+\.?\d*|\.\d+)"
    cm = re.compile(rb"(" + number + rb")\s+(" + number + rb")\s+(" + number + rb")\s+("
                    + number + rb")\s+(" + number + rb")\s+(" + number + rb")\s+cm")
    for stream in _pdf_streams(data):
        for block in re.findall(rb"q\s((?:(?!\sQ\s).)*?)/\w+\s+Do", stream, re.S):
            matrix = np.eye(3)
            for values in cm.findall(block):
                a, b, c, d, e, f = (float(v) for v in values)
                matrix = np.array([[a, b, 0], [c, d, 0], [e, f, 1]]) @ matrix
            unit = np.array([[0, 0, 1], [1, 0, 1], [0, 1, 1], [1, 1, 1]]) @ matrix
            x0, y0 = unit[:, 0].min(), unit[:, 1].min()
            boxes.append((x0, y0, unit[:, 0].max() - x0, unit[:, 1].max() - y0))
    return boxes


@pytest.mark.parametrize("paper", ["A4", "letter"])
def test_sheet_has_the_exact_page_and_marker_sizes(tmp_path, paper):
    path = write_marker_sheet(tmp_path / "sheet.pdf", paper=paper)
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    [box] = set(re.findall(rb"/MediaBox\s*\[\s*([^\]]*)\]", data))
    x0, y0, x1, y1 = (float(v) for v in box.split())
    width_mm, height_mm = PAPERS_MM[paper.lower()]
    assert (x1 - x0) * MM_PER_PT == pytest.approx(width_mm, abs=0.05)
    assert (y1 - y0) * MM_PER_PT == pytest.approx(height_mm, abs=0.05)
    images = _image_boxes_pt(data)
    assert len(images) == 2
    expected = sorted(marker_boxes_mm(paper).values())
    for (x, y, w, h), (ex, ey, ew, eh) in zip(sorted(images), expected, strict=True):
        assert (ew, eh) == (MARKER_SIDE_MM, MARKER_SIDE_MM)
        assert w * MM_PER_PT == pytest.approx(MARKER_SIDE_MM, abs=0.1)
        assert h * MM_PER_PT == pytest.approx(MARKER_SIDE_MM, abs=0.1)
        assert (x * MM_PER_PT, y * MM_PER_PT) == pytest.approx((ex, ey), abs=0.1)
    # both markers lie on the page, with their quiet zones
    for ex, ey, ew, eh in expected:
        assert 10 < ex and ex + ew < width_mm - 10 and 10 < ey and ey + eh < height_mm - 10


def test_sheet_rejects_an_unknown_paper(tmp_path):
    with pytest.raises(ValueError, match="a4"):
        write_marker_sheet(tmp_path / "x.pdf", paper="A3")


def test_cli_writes_the_sheet(tmp_path, capsys):
    out = tmp_path / "markers.pdf"
    assert main(["markers", "--pdf", str(out), "--paper", "letter"]) == 0
    assert out.read_bytes().startswith(b"%PDF")
    assert b"612 792" in out.read_bytes()
    assert "100 %" in capsys.readouterr().out


# --- agreement ------------------------------------------------------------------------

def _hold_entry(markers, markerless, **extra):
    entry = {"stance_side": "left", "lifted_side": "right", "hold_start_s": 2.0,
             "hold_end_s": 8.0, "classification": "negative",
             "pelvic_drop_deg": {"median": markers, "peak": None},
             "markerless_pelvic_drop_deg": {"median": markerless}}
    if markers is not None:
        entry["evidence"] = "markers"
    entry.update(extra)
    return entry


def _markerless_entry(drop):
    return {"stance_side": "left", "hold_start_s": 2.0, "hold_end_s": 8.0,
            "classification": "negative", "pelvic_drop_deg": {"median": drop}}


def _write_result(folder, tests, **top):
    folder.mkdir(parents=True)
    doc = {"schema_version": "1.0", "status": "ok", "quality": {}, "tests": tests, **top}
    (folder / "result.json").write_text(json.dumps(doc))


@pytest.fixture
def results(tmp_path):
    """Holds (markerless, markers): A front (5, 3) and (1, 2); B back (4, 0);
    C no marker hold; D no result.json. Differences markerless - markers: 2, -1, 4."""
    _write_result(tmp_path / "runs" / "A", [_hold_entry(3.0, 5.0), _hold_entry(2.0, 1.0),
                                            _markerless_entry(9.0)],
                  quality={"view": "front"})
    _write_result(tmp_path / "runs" / "B", [_hold_entry(0.0, 4.0, view="back")],
                  clothing="Leggings")
    _write_result(tmp_path / "C", [_markerless_entry(1.0)])
    (tmp_path / "D").mkdir()
    return tmp_path


def test_agreement_numbers_match_the_hand_computation(results):
    summary = collect_agreement([results / "runs", results / "C", results / "D"],
                                clothing={results / "runs" / "A": "shorts"})
    # differences 2, -1, 4: mean 5/3; squared deviations 1/9 + 64/9 + 49/9 = 114/9, / 2
    bias = 5 / 3
    sd = (114 / 9 / 2) ** 0.5
    o = summary.overall
    assert o.n == 3
    assert o.bias_deg == pytest.approx(bias)
    assert o.sd_deg == pytest.approx(sd)
    assert o.loa_low_deg == pytest.approx(bias - 1.96 * sd)
    assert o.loa_high_deg == pytest.approx(bias + 1.96 * sd)
    assert o.mae_deg == pytest.approx(7 / 3)
    front, back = summary.by_view["front"], summary.by_view["back"]
    assert (front.n, front.bias_deg, front.mae_deg) == (2, pytest.approx(0.5), pytest.approx(1.5))
    assert front.sd_deg == pytest.approx(np.std([2, -1], ddof=1))
    assert (back.n, back.bias_deg, back.sd_deg, back.loa_low_deg) == (1, 4.0, None, None)
    assert set(summary.by_clothing) == {"shorts", "leggings"}
    assert summary.by_clothing["shorts"].n == 2
    assert summary.n_results == 3 and summary.n_results_with_marker_holds == 2
    text = "\n".join(summary.messages)
    assert "D: no result.json found" in text
    assert "C: no hold was measured with markers" in text


def test_agreement_cli_json_has_numbers_only(results, capsys):
    code = main(["agreement", str(results / "runs"), "--json",
                 "--clothing", f"{results / 'runs' / 'A'}=shorts"])
    assert code == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert doc["overall"]["n"] == 3
    assert doc["overall"]["bias_deg"] == round(5 / 3, 2)
    assert doc["overall"]["mae_deg"] == round(7 / 3, 2)
    assert doc["by_view"]["back"]["sd_deg"] is None
    assert doc["by_clothing"]["leggings"]["n"] == 1
    assert str(results) not in captured.out  # no paths, nothing that names a person


def test_agreement_cli_csv_and_folders_without_marker_holds(results, capsys):
    assert main(["agreement", str(results / "runs"), "--csv"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "group,value,n,bias_deg,sd_deg,loa_low_deg,loa_high_deg,mae_deg"
    assert lines[1].startswith("overall,all,3,1.67,")
    assert main(["agreement", str(results / "C"), str(results / "D")]) == 1
    err = capsys.readouterr().err
    assert "no hold was measured with markers" in err and "no result.json found" in err
    assert "nothing to compare" in err


# --- storage --------------------------------------------------------------------------

def test_markers_round_trip_through_landmarks_npz(tmp_path):
    series, _ = single_leg_series(fps=30, duration_s=2)
    centres = _marker_centres(lifted_side="left", drop_deg=3.0, view="front")[:len(series)]
    centres[5, 0] = np.nan
    markers = MarkerSeries.from_centres(series.t_s, centres, width_px=540, height_px=960)
    series.save_npz(tmp_path / "landmarks.npz", extra=markers.npz_arrays())
    again = MarkerSeries.load_npz(tmp_path / "landmarks.npz")
    for name in ("t_s", "centre_px", "corners_px", "n_candidates"):
        assert np.array_equal(getattr(again, name), getattr(markers, name), equal_nan=True)
    assert (again.width_px, again.height_px) == (540, 960)
    assert list(again.seen[5]) == [False, True]
    loaded = LandmarkSeries.load_npz(tmp_path / "landmarks.npz")
    assert np.array_equal(loaded.xy_px, series.xy_px, equal_nan=True)


def test_an_old_landmarks_npz_without_markers_still_loads(tmp_path):
    series, _ = single_leg_series(fps=30, duration_s=2)
    series.save_npz(tmp_path / "landmarks.npz")
    assert len(LandmarkSeries.load_npz(tmp_path / "landmarks.npz")) == len(series)
    markers = MarkerSeries.load_npz(tmp_path / "landmarks.npz")
    assert len(markers) == 0 and not markers.any_seen


def test_marker_arrays_cannot_overwrite_landmarks(tmp_path):
    series, _ = single_leg_series(fps=30, duration_s=1)
    with pytest.raises(ValueError, match="t_s"):
        series.save_npz(tmp_path / "x.npz", extra={"t_s": np.zeros(3)})


# --- the pipeline ---------------------------------------------------------------------

def _marker_clip(path, frames, *, scale: int):
    """A clip ``scale`` times the pose frame size with the markers painted 15 px (pose
    frame) above the replayed hips, so the marker line follows the hip line."""
    images = []
    for frame in frames:
        img = np.full((960 * scale, 540 * scale, 3), 120, np.uint8)
        for marker_id, hip in ((0, RIGHT_HIP), (1, LEFT_HIP)):
            x, y = frame.xy_px[hip]
            _paste_marker(img, marker_id, (x * scale, (y - 15) * scale), 20 * scale)
        images.append(img)
    return write_video(path, images, fps=15)


def test_pipeline_detects_markers_at_full_resolution_and_saves_them(tmp_path):
    series, frames = single_leg_series(lifted_side="right", drop_deg=6.0, fps=15,
                                       duration_s=6, lift_s=(1.5, 4.5))
    clip = _marker_clip(tmp_path / "clip.mp4", frames, scale=2)   # 1080 x 1920
    result = analyse_video(clip, out_dir=tmp_path / "out", backend=ReplayBackend(frames),
                           annotate=False, config=Config().with_changes(estimator="hip_line"))
    assert result.ok, result.error
    markers = result.markers
    assert len(markers) == len(series) and (markers.width_px, markers.height_px) == (540, 960)
    assert markers.both_seen.mean() > 0.95
    # coordinates are in the pose frame: 15 px above the hips
    right_hip = series.xy_px[:, RIGHT_HIP]
    seen = markers.seen[:, 0]
    assert np.allclose(markers.centre_px[seen, 0], right_hip[seen] - (0, 15), atol=1.0)
    [test] = result.analysis.holds
    t = result.analysis.cleaned.t_s
    drop = marker_drop_deg(markers, t, test.hold)
    assert np.nanmedian(drop.drop_deg[STEADY.start // 2:STEADY.stop // 3]) == \
        pytest.approx(6.0, abs=0.5)
    doc = json.loads((tmp_path / "out" / "result.json").read_text())
    assert doc["quality"]["marker_both_seen_fraction"] > 0.95
    saved = MarkerSeries.load_npz(tmp_path / "out" / "landmarks.npz")
    assert np.array_equal(saved.centre_px, markers.centre_px, equal_nan=True)


def test_pipeline_without_markers_gives_an_empty_marker_record(tmp_path):
    from fakes import plain_frames

    series, frames = single_leg_series(lifted_side="left", drop_deg=0.0, fps=15,
                                       duration_s=5, lift_s=(1.5, 4.0))
    clip = write_video(tmp_path / "clip.mp4", plain_frames(len(frames)), fps=15)
    result = analyse_video(clip, backend=ReplayBackend(frames),
                           config=Config().with_changes(estimator="hip_line"))
    assert result.ok, result.error
    assert len(result.markers) == len(series) and not result.markers.any_seen
    assert result.to_result().quality["marker_both_seen_fraction"] == 0.0


# --- the app --------------------------------------------------------------------------

def test_app_offers_the_marker_sheet_on_the_upload_page(tmp_path, monkeypatch):
    pytest.importorskip("streamlit")
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("PELVIC_SCREEN_DATA_DIR", str(tmp_path))
    app = Path(__file__).resolve().parents[1] / "app.py"
    at = AppTest.from_file(str(app), default_timeout=120)
    at.query_params["page"] = "upload"
    at.run()
    assert not at.exception, at.exception
    assert "Printed pelvis markers (optional, most reliable)" in [e.label for e in at.expander]
    body = " ".join(m.value for m in at.markdown)
    assert "id 0 goes on the right side of your body" in body
    assert "ASIS" in body and "iliac crests" in body
