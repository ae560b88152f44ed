"""The printable report and its pieces (words, chart, key frames), on a hand-made output
folder (no model)."""

from __future__ import annotations

import datetime as dt
import json
import os
import re

import numpy as np
import pytest

from screening.config import DecisionConfig
from screening.encode import H264Writer
from screening.keyframes import key_frame_times, key_frames
from screening.outputs import write_timeseries_csv
from screening.report_html import render_html, render_pdf, write_reports
from screening.results import HoldResult, Result, ResultBundle, Status
from screening.timeseries import TimeSeries
from screening.wording import (
    estimator_note,
    evidence_text,
    hold_lines,
    lean_text,
    repeated_sides,
    weak_side_text,
)

CONFIG = {"negative_below_deg": 2.0, "positive_from_deg": 4.0, "compensation_lean_deg": 5.0}
THRESHOLDS = DecisionConfig(negative_below_deg=2.0, positive_from_deg=4.0,
                            compensation_lean_deg=5.0)


def load_bundle(out_dir) -> ResultBundle:
    return ResultBundle.from_dir(out_dir)


def a_hold(**changes) -> HoldResult:
    return HoldResult.from_document(a_test(**changes), "a hold")


def a_series(t, **columns) -> TimeSeries:
    """A time series with ``columns`` given and the rest empty (NaN, "", -1, False)."""
    n = len(t)
    full = {"t_s": t, "phase": np.full(n, "double", dtype=object),
            "lifted_side": np.full(n, "", dtype=object), "hold_index": np.full(n, -1),
            "person_found": np.ones(n, bool), "landmarks_filled": np.zeros(n, bool)}
    for name in ("hip_obliquity_deg", "pelvic_drop_deg", "trunk_lean_deg", "lift_left_leg",
                 "lift_right_leg", "left_hip_x_px", "left_hip_y_px", "right_hip_x_px",
                 "right_hip_y_px"):
        full[name] = np.full(n, np.nan)
    return TimeSeries(**{**full, **columns})


def a_test(**changes) -> dict:
    test = {
        "stance_side": "right", "lifted_side": "left", "hold_start_s": 2.0, "hold_end_s": 6.0,
        "hold_duration_s": 4.0,
        "pelvic_drop_deg": {"median": 5.2, "peak": 7.9, "p25": 4.4, "p75": 6.1},
        "time_to_drop_s": 1.3, "trunk_lean_deg": {"median": 1.1},
        "classification": "positive", "compensated": False, "weak_side": "right",
        "clinical_label": "positive right Trendelenburg", "summary": "s", "reasons": ["why"],
        "problems": [],
    }
    test.update(changes)
    return test


def make_output(tmp_path, tests=None, *, video=True, name="clip.mp4"):
    """A result folder like analyse_video writes: result.json, timeseries.csv, a video."""
    out = tmp_path / "out"
    out.mkdir()
    t = np.round(np.arange(0, 8, 0.1), 3)
    phase = np.where(t < 1.5, "double", np.where(t < 2.0, "lift",
                     np.where(t <= 6.0, "hold", np.where(t < 6.5, "lower", "double"))))
    drop = np.where((t >= 2.0) & (t <= 6.0), 5 + np.sin(t), np.nan)
    drop[t == 4.5] = 9.5          # the worst moment
    ts = a_series(t, phase=phase.astype(object),
                  lifted_side=np.where((t >= 1.5) & (t < 6.5), "left", "").astype(object),
                  hold_index=np.where((t >= 1.5) & (t < 6.5), 0, -1),
                  pelvic_drop_deg=drop,
                  trunk_lean_deg=np.where(np.isfinite(drop), 1.0, np.nan))
    write_timeseries_csv(out / "timeseries.csv", ts)
    outputs = {"result": str(out / "result.json"), "timeseries": str(out / "timeseries.csv")}
    if video:
        rec = H264Writer(out / "annotated.mp4")
        for ti in t:
            # brightness encodes the time, so a key frame can be traced back to its moment
            rec.write(np.full((64, 48, 3), int(ti * 25), np.uint8), float(ti))
        rec.close()
        outputs["annotated_video"] = str(out / "annotated.mp4")
    doc = {"schema_version": "2.0", "status": "ok", "input": f"/somewhere/{name}",
           "error": None, "config": CONFIG,
           "model": {"variant": "full", "sha256": "ab" * 32, "path": "m", "source": "s"},
           "versions": {"pelvic-screen": "0.1.0", "mediapipe": "1.2.3", "python": "3.11"},
           "holds": tests if tests is not None else [a_test()], "warnings": ["short hold"],
           "missed_holds": [], "outputs": outputs, "estimator": "hip_line"}
    (out / "result.json").write_text(json.dumps(doc))
    return out


def test_timeseries_csv_round_trip_keeps_nan_and_text(tmp_path):
    out = make_output(tmp_path, video=False)
    ts = TimeSeries.read_csv(out / "timeseries.csv")
    assert ts.phase[0] == "double" and ts.phase[30] == "hold"
    assert np.isnan(ts.pelvic_drop_deg[0]) and ts.pelvic_drop_deg[45] == pytest.approx(9.5)
    assert ts.hold_index.dtype.kind == "i" and ts.hold_index[30] == 0
    assert ts.person_found.dtype == bool and ts.person_found.all()


def test_result_lines_give_numbers_with_the_middle_half_and_time_to_drop():
    lines = hold_lines(a_hold(), THRESHOLDS)
    text = " ".join(lines)
    assert "pelvis dropped (positive)" in text
    assert "median 5.2 deg" in text and "4.4 deg to 6.1 deg" in text
    assert "Time to drop: 1.3 s" in text and "Hold: 4.0 s" in text
    assert "compensated" not in text.lower()


def test_result_lines_explain_compensation_and_missing_time_to_drop():
    test = a_hold(classification="negative", compensated=True, time_to_drop_s=None,
                  trunk_lean_deg={"median": 7.0}, pelvic_drop_deg={"median": 0.5, "peak": 1,
                                                                   "p25": 0.1, "p75": 0.9})
    text = " ".join(hold_lines(test, THRESHOLDS))
    assert "compensated Trendelenburg" in text and "7.0 deg" in text
    assert "did not pass 4 deg" in text


def test_weak_side_is_named_clinically_and_explained():
    text = weak_side_text(a_hold())
    assert text.startswith("Positive right Trendelenburg")
    assert "your right hip" in text and "gluteus medius" in text
    assert "left side of your pelvis" in text
    assert weak_side_text(a_hold(weak_side=None, classification="negative")) == ""


def test_key_frame_times_are_baseline_before_the_lift_and_the_largest_drop(tmp_path):
    bundle = load_bundle(make_output(tmp_path, video=False))
    times = key_frame_times(bundle, 0)
    assert times["worst"] == pytest.approx(4.5)
    assert 0.0 <= times["baseline"] < 1.5


def test_key_frames_come_from_the_video_at_those_times(tmp_path):
    bundle = load_bundle(make_output(tmp_path))
    frames = key_frames(bundle, 0)
    assert [f.label.split(",")[0] for f in frames] == ["both legs (baseline)",
                                                       "largest drop in the hold"]
    worst = frames[1]
    assert abs(float(worst.rgb.mean()) - 4.5 * 25) < 4   # the frame written at t = 4.5 s


def test_html_escapes_the_subject_label_and_file_names(tmp_path):
    out = make_output(tmp_path, name="<img src=x onerror=alert(1)>.mp4")
    page = render_html(load_bundle(out), subject_label="<script>alert('x')</script> & co",
                       date=dt.date(2026, 3, 4))
    assert "<script>" not in page and "&lt;script&gt;" in page and "&amp; co" in page
    assert "<img src=x" not in page
    assert "2026-03-04" in page
    assert "positive right Trendelenburg" in page
    assert "level below 2 deg, positive from 4 deg" in page
    assert "full" in page and "abababababab" in page          # model variant and sha256
    assert page.count("data:image/png;base64,") == 1         # the chart
    assert page.count("data:image/jpeg;base64,") == 2        # 2 key frames
    assert "not a diagnosis" in page


def test_html_of_a_failed_analysis_shows_the_message_and_hint(tmp_path):
    out = make_output(tmp_path, tests=[], video=False)
    doc = json.loads((out / "result.json").read_text())
    doc.update(status="error", error={"code": "no_person", "message": "No person was found.",
                                      "hint": "Stand 2-4 m from the camera."})
    (out / "result.json").write_text(json.dumps(doc))
    page = render_html(load_bundle(out))
    assert "No person was found." in page and "Stand 2-4 m" in page


def test_pdf_is_one_page(tmp_path):
    pdf = render_pdf(load_bundle(make_output(tmp_path)), subject_label="Runner (R) <1>")
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) == 1


def test_write_reports_puts_both_files_next_to_the_result(tmp_path):
    out = make_output(tmp_path)
    paths = write_reports(out, subject_label="A")
    assert paths["report_html"].read_text().startswith("<!doctype html>")
    assert paths["report_pdf"].read_bytes().startswith(b"%PDF")
    assert not list(out.glob(".*partial*"))


def test_worst_key_frame_comes_from_the_steady_hold_not_its_edges():
    t = np.arange(0, 8, 0.1)
    drop = np.where((t >= 2) & (t <= 6), 5.0, 0.0)
    drop[t.searchsorted(5.0)] = 6.0          # the real worst moment, inside the steady hold
    drop[t.searchsorted(6.0) - 1] = 12.0     # the foot going down at the end of the hold
    phase = np.array(["hold" if 2 <= v <= 6 else "double" for v in t], dtype=object)
    hold = a_hold(hold_start_s=2.0, hold_end_s=6.0, steady_start_s=2.3, steady_end_s=5.7)
    bundle = ResultBundle(Result(input="clip.mp4", status=Status.OK, holds=(hold,)),
                          a_series(t, phase=phase, pelvic_drop_deg=drop))
    assert key_frame_times(bundle, 0)["worst"] == pytest.approx(5.0)


def test_the_report_states_the_measured_error_of_the_estimator_used(tmp_path):
    from screening.estimators import uncertainty_deg

    out = make_output(tmp_path)
    doc = json.loads((out / "result.json").read_text())
    for estimator in ("leg", "hip_line"):
        doc["estimator"] = estimator
        (out / "result.json").write_text(json.dumps(doc))
        page = render_html(load_bundle(out))
        assert f"camera-only ({estimator}) estimate was off by " \
               f"{uncertainty_deg(estimator):.1f} deg" in page
        assert f"markers by {uncertainty_deg('markers'):.1f} deg" in page
    assert "already there at that moment is missed" in estimator_note("leg")
    assert "lifted foot that sinks reads as a drop" in estimator_note("leg")
    assert estimator_note("no_such_estimator") == ""


def test_a_leg_tested_twice_gets_its_own_line_in_the_report(tmp_path):
    out = make_output(tmp_path, tests=[a_test(), a_test(hold_start_s=9.0, hold_end_s=13.0)])
    doc = json.loads((out / "result.json").read_text())
    assert repeated_sides(load_bundle(out).result) == []   # no "sides": nothing repeated
    doc["sides"] = [{"stance_side": "right", "lifted_side": "left", "holds": [0, 1],
                     "n_holds": 2, "n_measured": 2, "pelvic_drop_deg": {"median": 5.2},
                     "classification": "positive", "summary": "s"}]
    (out / "result.json").write_text(json.dumps(doc))
    page = render_html(load_bundle(out))
    assert "Per leg, all holds together" in page
    assert "Standing on the RIGHT leg, 2 holds (2 measured): pelvis dropped (positive), " \
           "median drop 5.2 deg." in page
    doc["sides"][0]["n_holds"] = 1
    assert repeated_sides(Result.from_document(doc)) == []


def test_trunk_lean_is_said_with_its_direction():
    away = lean_text(-6.3, compensated=False, lean_limit=5.0)
    assert away.startswith("Trunk lean: 6.3 deg away from the standing leg")
    assert "-6.3" not in away
    toward = lean_text(2.0, compensated=False, lean_limit=5.0)
    assert "2.0 deg toward the standing leg" in toward and "less than the 5 deg" in toward
    assert "compensated Trendelenburg" in lean_text(7.0, compensated=True, lean_limit=5.0)
    assert lean_text(None, compensated=False, lean_limit=5.0) == "Trunk lean: n/a."


def test_evidence_and_uncertainty_are_said():
    markers = evidence_text(a_hold(evidence="markers", uncertainty_deg=0.3,
                                   markerless_pelvic_drop_deg={"median": 1.2}))
    assert "printed pelvis markers" in markers and "0.3 deg" in markers and "1.2 deg" in markers
    alone = evidence_text(a_hold(evidence="markerless", uncertainty_deg=4.6,
                                 evidence_note="The markers were seen in only 40% of the hold."))
    assert "landmarks alone" in alone and "4.6 deg" in alone and "40%" in alone


def test_a_borderline_drop_names_no_weak_side_only_a_possible_one():
    text = weak_side_text(a_hold(classification="borderline", weak_side=None,
                                 stance_side="right", lifted_side="left",
                                 clinical_label="borderline right Trendelenburg"))
    assert "the weak side is" not in text
    assert text.startswith("Borderline") and "may be weak, or may not" in text


def test_report_shows_the_time_of_day_the_examiner_and_the_notes_escaped(tmp_path):
    out = make_output(tmp_path)
    doc = json.loads((out / "result.json").read_text())
    doc["analysed_at"] = "2026-03-04T14:37:09+01:00"
    (out / "result.json").write_text(json.dumps(doc))
    notes = "Left knee pain <script>alert(1)</script>\nbarefoot & tired"
    paths = write_reports(out, subject_label="Ann", operator="  Dr <b>Lee</b> ",
                          notes=notes)
    page = paths["report_html"].read_text()
    assert "2026-03-04 14:37" in page                       # date and time of the analysis
    assert "Examiner: <b>Dr &lt;b&gt;Lee&lt;/b&gt;</b>" in page
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;\nbarefoot &amp; tired" in page
    pdf = paths["report_pdf"].read_bytes()
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) == 1
    # without examiner and notes: neither is shown
    page = render_html(load_bundle(out), with_images=False)
    assert "Examiner" not in page and "Notes:" not in page
    assert "2026-03-04 14:37" in page


def test_report_time_falls_back_to_the_result_file_and_long_notes_keep_one_pdf_page(tmp_path):
    out = make_output(tmp_path, video=False)
    stamp = dt.datetime(2026, 5, 6, 7, 8, 9).timestamp()
    os.utime(out / "result.json", (stamp, stamp))
    page = render_html(load_bundle(out), with_images=False)
    assert "2026-05-06 07:08" in page
    long_notes = "\n".join(f"line {k} " + "word " * 40 for k in range(30))
    pdf = render_pdf(load_bundle(out), notes=long_notes, operator="X")
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) == 1
    page = render_html(load_bundle(out), notes=long_notes, with_images=False)
    assert "line 29" in page                                 # the HTML keeps them whole


def test_pdf_uses_the_standard_font_and_embeds_one_only_for_other_scripts(tmp_path, caplog):
    bundle = load_bundle(make_output(tmp_path))
    with caplog.at_level("WARNING", logger="matplotlib"):
        western = render_pdf(bundle, subject_label="Zoë Müller", operator="Dr Lee")
    assert not [r for r in caplog.records if "findfont" in r.getMessage()]
    assert b"/Helvetica" in western and b"DejaVu" not in western
    other = render_pdf(bundle, subject_label="Зоя", notes="αβγ")
    assert b"DejaVu" in other
    for pdf in (western, other):
        assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) == 1
