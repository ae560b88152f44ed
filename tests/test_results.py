"""The typed result and its one reader: round trips, result folders of schema 1.0, the
drop bands at their edges, holds the protocol asked for that were never measured."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from fakes import ReplayBackend, plain_frames, single_leg_series, write_video

from screening import Config, analyse_video
from screening.config import DecisionConfig
from screening.results import (
    SCHEMA_VERSION,
    Classification,
    Evidence,
    Problem,
    Result,
    ResultBundle,
    ResultReadError,
    Side,
    Status,
    drop_band,
    missed_holds,
    read_result,
    recorded_thresholds,
)
from screening.timeseries import TimeSeries

OLD_FOLDER = Path(__file__).parent / "data" / "result_schema_1.0" / "positive_left_stance"


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    """A folder written by analyse_video (replayed landmarks: no model), and its result."""
    tmp = tmp_path_factory.mktemp("analysed")
    series, frames = single_leg_series(lifted_side="right", drop_deg=6.0, fps=30, duration_s=8)
    clip = write_video(tmp / "clip.mp4", plain_frames(len(frames)), fps=30)
    analysis = analyse_video(clip, out_dir=tmp / "out", backend=ReplayBackend(frames),
                             annotate=False, config=Config().with_changes(estimator="hip_line"))
    assert analysis.ok, analysis.error
    return tmp / "out", analysis


# -- round trip ---------------------------------------------------------------------------

def test_what_is_written_is_read_back_with_the_same_values(analysed):
    out, analysis = analysed
    bundle = ResultBundle.from_dir(out)
    written = analysis.to_result()
    assert bundle.result == written
    assert bundle.result.schema_version == SCHEMA_VERSION
    [hold] = bundle.holds
    assert hold.stance_side is Side.LEFT and hold.lifted_side is Side.RIGHT
    assert hold.classification is Classification.POSITIVE
    assert hold.evidence is Evidence.MARKERLESS
    assert hold.pelvic_drop.median_deg == pytest.approx(6.0, abs=0.3)
    assert hold.pelvic_drop.median_deg == round(analysis.holds[0].metrics.drop_median_deg, 2)
    # the time series: the same frames and words; numbers as written (4 decimals)
    series = analysis.analysis.timeseries
    assert len(bundle.timeseries) == len(series)
    for name in ("phase", "lifted_side", "hold_index", "person_found", "landmarks_filled"):
        assert np.array_equal(getattr(bundle.timeseries, name), getattr(series, name)), name
    np.testing.assert_allclose(bundle.timeseries.pelvic_drop_deg, series.pelvic_drop_deg,
                               atol=5e-5)
    # and what is read is written again unchanged
    assert json.loads(json.dumps(bundle.result.to_document())) == json.loads(
        (out / "result.json").read_text())


def test_the_document_of_schema_2_names_holds_and_missed_holds(analysed):
    out, _ = analysed
    doc = json.loads((out / "result.json").read_text())
    assert doc["schema_version"] == "2.0"
    assert "tests" not in doc and len(doc["holds"]) == 1
    assert doc["sides"][0]["holds"] == [0] and "tests" not in doc["sides"][0]
    assert doc["missed_holds"] == [{
        "stance_side": "right", "lifted_side": "left",
        "message": missed_holds([Side.LEFT])[0].message,
        "hint": missed_holds([Side.LEFT])[0].hint}]


# -- schema 1.0 -----------------------------------------------------------------------------

def test_a_result_folder_of_schema_1_is_read(tmp_path):
    folder = tmp_path / "positive_left_stance"
    shutil.copytree(OLD_FOLDER, folder)
    doc = json.loads((folder / "result.json").read_text())
    assert doc["schema_version"] == "1.0" and "holds" not in doc
    bundle = ResultBundle.from_dir(folder)
    result = bundle.result
    assert result.schema_version == "1.0" and result.ok
    [hold] = result.holds
    old = doc["tests"][0]
    assert hold.stance_side == old["stance_side"] == "left"
    assert hold.pelvic_drop.median_deg == old["pelvic_drop_deg"]["median"]
    assert hold.pelvic_drop.p25_deg == old["pelvic_drop_deg"]["p25"]
    assert hold.time_to_drop_s == old["time_to_drop_s"]
    assert hold.reasons == tuple(old["reasons"])
    assert hold.to_document() == old                 # a hold entry did not change
    [side] = result.sides
    assert side.hold_indices == (0,) and side.drop_median_deg == hold.pelvic_drop.median_deg
    # the protocol asked for both legs: the right one was not measured, and now it says so
    [missed] = result.missed_holds
    assert missed.stance_side is Side.RIGHT and missed.lifted_side is Side.LEFT
    assert "RIGHT" in missed.message and "not measured" in missed.message
    # its time series (column test_index) and its files
    assert len(bundle.timeseries) == 120
    assert set(bundle.timeseries.hold_index) == {-1, 0}
    assert bundle.file("timeseries") == folder / "timeseries.csv"
    assert bundle.file("annotated_video") is None
    # written again, it is a schema 2.0 document with the same numbers
    again = result.to_document()
    assert again["schema_version"] == SCHEMA_VERSION and again["holds"] == doc["tests"]
    assert again["quality"] == doc["quality"] and again["config"] == doc["config"]


def test_a_result_of_schema_1_keeps_the_fingerprint_its_records_were_made_with():
    """Results without input_sha256 are recorded under a hash of what they stored; an
    old folder imported again must find its session, not add a second one."""
    import hashlib

    doc = json.loads((OLD_FOLDER / "result.json").read_text())
    before = hashlib.sha256(json.dumps(
        [Path(doc["input"]).name, doc["sides"], doc["tests"]], sort_keys=True,
        default=str).encode()).hexdigest()
    assert Result.from_document(doc).fingerprint == before


def test_documents_written_by_hand_or_other_tools_are_read_as_schema_1():
    result = Result.from_document({"input": "/data/visit2.mp4", "status": "ok",
                                   "person": {"id": "P-007"}, "tests": []})
    assert result.ok and result.holds == () and result.missed_holds == ()
    assert result.person == "P-007" and result.to_document()["person"] == {"id": "P-007"}
    failed = Result.from_document({"status": "error", "error": {"code": "no_person",
                                                                "message": "m", "hint": "h"}})
    assert not failed.ok and failed.error.code == "no_person" and failed.missed_holds == ()


@pytest.mark.parametrize("doc, words", [
    ({"status": "maybe"}, ["status", "one of ok, error"]),
    ({"status": "ok", "tests": [{"stance_side": "up"}]}, ["tests[0].stance_side", "left"]),
    ({"status": "ok", "tests": [{"stance_side": "left", "hold_start_s": 1.0,
                                  "hold_end_s": "late"}]}, ["tests[0].hold_end_s", "number"]),
    ({"status": "ok", "tests": {"a": 1}}, ["tests", "a list"]),
    ([1, 2], ["not an object"]),
])
def test_a_document_that_is_not_a_result_says_what_is_wrong(doc, words):
    with pytest.raises(ResultReadError) as info:
        Result.from_document(doc, "r.json")
    for word in words:
        assert word in info.value.message
    assert info.value.hint


def test_a_newer_schema_asks_for_an_update_and_a_missing_folder_says_so(tmp_path):
    with pytest.raises(ResultReadError) as info:
        Result.from_document({"schema_version": "3.0", "status": "ok"}, "r.json")
    assert "newer" in info.value.message and "Update" in info.value.hint
    with pytest.raises(ResultReadError) as info:
        ResultBundle.from_dir(tmp_path / "nowhere")
    assert "result.json" in info.value.message
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "result.json").write_text("{ half")
    with pytest.raises(ResultReadError, match="not valid JSON"):
        read_result(tmp_path / "broken")


# -- bands -----------------------------------------------------------------------------------

@pytest.mark.parametrize("drop_deg, band", [
    (-3.0, Classification.NEGATIVE),
    (1.999, Classification.NEGATIVE),
    (2.0, Classification.BORDERLINE),     # from negative_below_deg on: borderline
    (3.999, Classification.BORDERLINE),
    (4.0, Classification.POSITIVE),       # from positive_from_deg on: positive
    (12.0, Classification.POSITIVE),
    (float("nan"), Classification.INCONCLUSIVE),
    (None, Classification.INCONCLUSIVE),
])
def test_a_drop_gets_its_band_at_the_edges(drop_deg, band):
    assert drop_band(drop_deg, DecisionConfig()) is band
    assert (DecisionConfig().negative_below_deg, DecisionConfig().positive_from_deg) == (2, 4)


def test_thresholds_come_from_the_result_own_config():
    # by section, as results are written now
    nested = recorded_thresholds({"decision": {"negative_below_deg": 1.0,
                                               "positive_from_deg": 3.0}})
    assert (nested.negative_below_deg, nested.positive_from_deg) == (1.0, 3.0)
    assert nested.compensation_lean_deg == DecisionConfig().compensation_lean_deg
    assert drop_band(3.0, nested) is Classification.POSITIVE
    # flat, as earlier versions wrote it
    flat = recorded_thresholds({"negative_below_deg": 1.0, "positive_from_deg": 3.0})
    assert flat == nested
    equal = DecisionConfig(negative_below_deg=2.0, positive_from_deg=2.0)
    assert drop_band(2.0, equal) is Classification.POSITIVE   # no middle band
    bundle_thresholds = Result.from_document({"status": "ok", "config": {
        "decision": {"positive_from_deg": 6.0}}}).thresholds
    assert bundle_thresholds.positive_from_deg == 6.0


def test_thresholds_that_cannot_be_used_make_the_result_unreadable():
    with pytest.raises(ResultReadError, match="thresholds"):
        Result.from_document({"status": "ok", "config": {
            "decision": {"negative_below_deg": 5.0, "positive_from_deg": 4.0}}})


def test_words_compare_and_print_as_their_text():
    assert Side.LEFT == "left" and f"{Side.LEFT}" == "left" and Side.LEFT.upper() == "LEFT"
    assert {Classification.POSITIVE: 1}["positive"] == 1
    assert Side.LEFT.other is Side.RIGHT


# -- holds never measured --------------------------------------------------------------------

def test_a_leg_never_held_is_named_in_the_result_and_in_the_words(analysed):
    from screening.wording import missed_hold_text

    _, analysis = analysed
    result = analysis.to_result()
    [missed] = result.missed_holds
    assert missed.stance_side is Side.RIGHT
    text = missed_hold_text(missed)
    assert text.startswith("No hold on the RIGHT leg was found")
    assert "the left foot was never lifted" in text and "lift the left foot" in text
    assert missed_holds([Side.LEFT, Side.RIGHT]) == ()
    assert [m.stance_side for m in missed_holds([], asked=[Side.LEFT])] == [Side.LEFT]


def test_a_protocol_asking_for_one_leg_misses_nothing(tmp_path):
    series, frames = single_leg_series(lifted_side="right", drop_deg=6.0, fps=30, duration_s=6)
    clip = write_video(tmp_path / "one.mp4", plain_frames(len(frames)), fps=30)
    result = analyse_video(clip, backend=ReplayBackend(frames),
                           stance_sides_asked=[Side.LEFT]).to_result()
    assert result.ok and result.missed_holds == ()


def test_a_failed_analysis_misses_no_hold(tmp_path):
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"\x00" * 100)
    result = analyse_video(bad, backend=ReplayBackend([])).to_result()
    assert result.status is Status.ERROR and result.missed_holds == () and result.holds == ()


def test_the_report_and_the_cli_line_say_which_leg_was_not_measured(analysed, tmp_path):
    from screening.batch import ItemOutcome
    from screening.cli import describe
    from screening.report_html import render_html, render_pdf

    out, analysis = analysed
    bundle = ResultBundle.from_dir(out)
    page = render_html(bundle, with_images=False)
    assert "Standing on the RIGHT leg: not measured" in page
    assert "No hold on the RIGHT leg was found" in page
    assert render_pdf(bundle).startswith(b"%PDF")
    line = describe(ItemOutcome(Path("clip.mp4"), out, bundle.result))
    assert "left stance positive" in line and "right stance not measured" in line
    # a hold that could not be measured says why, not "n/a"
    hold = bundle.result.holds[0]
    unmeasured = dataclasses.replace(
        hold, classification=Classification.INCONCLUSIVE,
        pelvic_drop=dataclasses.replace(hold.pelvic_drop, median_deg=None),
        problems=(Problem("no_baseline", "There is no moment on both legs to compare with.",
                          "Stand still on both legs first."),))
    line = describe(ItemOutcome(Path("clip.mp4"), out,
                                dataclasses.replace(bundle.result, holds=(unmeasured,))))
    assert "left stance inconclusive (not measured: There is no moment on both legs to " \
        "compare with)" in line and "n/a" not in line


def test_an_empty_time_series_and_a_bad_one(tmp_path):
    assert not TimeSeries.empty() and len(TimeSeries.empty()) == 0
    with pytest.raises(ValueError, match="one value per frame"):
        TimeSeries(**{**{n: np.zeros(3) for n in TimeSeries.empty().columns()
                         if n != "test_index"}, "hold_index": np.zeros(2)})
    (tmp_path / "timeseries.csv").write_text("t_s,phase\n0.0,double\n")
    with pytest.raises(ValueError, match="no column"):
        TimeSeries.read_csv(tmp_path / "timeseries.csv")
