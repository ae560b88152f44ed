"""The batch runner without the model: collecting inputs, the study's summary.csv, and the
atomic replacement of a result folder."""

import csv
import json
import os
import threading

from screening.batch import SUMMARY_COLUMNS, collect_inputs, run_batch, write_summary
from screening.config import Config
from screening.files import publish_folder
from screening.outputs import write_result_folder
from screening.results import (
    RESULT_JSON,
    Classification,
    DropStats,
    HoldResult,
    Result,
    Side,
    Status,
    missed_holds,
)
from screening.summary_csv import NOT_MEASURED


def _touch(path, data=b"x"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_a_folder_under_a_hidden_folder_is_searched(tmp_path):
    root = tmp_path / ".cache" / "clips"
    kept = _touch(root / "a.mp4")
    nested = _touch(root / "day1" / "b.MOV")
    _touch(root / ".trash" / "c.mp4")     # hidden below the given folder: skipped
    _touch(root / ".d.mp4")
    _touch(root / "notes.txt")
    assert collect_inputs([root]) == [kept, nested]


def test_a_file_given_by_name_is_kept_even_in_a_hidden_folder(tmp_path):
    clip = _touch(tmp_path / ".local" / "share" / "x.mp4")
    assert collect_inputs([clip]) == [clip]


def _read_summary(out):
    with (out / "summary.csv").open() as f:
        reader = csv.DictReader(f)
        assert tuple(reader.fieldnames) == SUMMARY_COLUMNS
        return list(reader)


def test_summary_covers_every_result_folder_not_only_the_last_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _touch(tmp_path / "in" / "first.mp4", b"not a video")
    _touch(tmp_path / "in" / "second.mp4", b"not a video either")
    out = tmp_path / "study"
    run_batch([tmp_path / "in" / "first.mp4"], out, config=Config())
    run_batch([tmp_path / "in" / "second.mp4"], out, config=Config())
    rows = _read_summary(out)
    assert [r["label"] for r in rows] == ["first", "second"]
    assert [r["output_dir"] for r in rows] == ["first", "second"]  # relative to --out
    assert {r["error_code"] for r in rows} == {"not_a_video"}
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_summary_keeps_the_input_as_given_and_reads_person_and_date(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _touch(tmp_path / "in" / "clip.mp4", b"not a video")
    out = tmp_path / "study"
    run_batch([__import__("pathlib").Path("in/clip.mp4")], out, config=Config())
    doc = json.loads((out / "clip" / RESULT_JSON).read_text())
    assert doc["input"] == "in/clip.mp4"
    assert doc["analysed_at"]
    # a result written by another tool, with a person and no analysis time
    (out / "nested" / "visit2").mkdir(parents=True)
    (out / "nested" / "visit2" / RESULT_JSON).write_text(json.dumps({
        "input": "/data/visit2.mp4", "status": "ok", "person": {"id": "P-007"},
        "tests": []}))
    os.utime(out / "nested" / "visit2" / RESULT_JSON, (1.7e9, 1.7e9))
    write_summary(out)
    rows = {r["label"]: r for r in _read_summary(out)}
    assert rows["clip"]["input"] == "in/clip.mp4"
    assert rows["clip"]["date"] == doc["analysed_at"]
    assert rows["clip"]["person"] == ""
    assert rows["visit2"]["output_dir"] == "nested/visit2"
    assert rows["visit2"]["person"] == "P-007"
    assert rows["visit2"]["date"].startswith("2023-11-1")  # file time, ISO 8601
    assert "T" in rows["visit2"]["date"]


def test_a_leg_that_was_never_measured_has_a_row_saying_why(tmp_path):
    hold = HoldResult(stance_side=Side.RIGHT, lifted_side=Side.LEFT, hold_start_s=2.0,
                      hold_end_s=8.0, hold_duration_s=6.0,
                      classification=Classification.NEGATIVE, pelvic_drop=DropStats(1.2))
    out = tmp_path / "study"
    write_result_folder(out / "one_leg", Result(
        input="one_leg.mp4", status=Status.OK, analysed_at="2026-01-02T10:00:00+00:00",
        holds=(hold,), missed_holds=missed_holds([Side.RIGHT])))
    write_result_folder(out / "both", Result(input="both.mp4", status=Status.OK,
                                             holds=(hold, hold)))
    write_summary(out)
    rows = _read_summary(out)          # the columns of earlier versions come first
    assert SUMMARY_COLUMNS[:22] == (
        "input", "output_dir", "label", "person", "date", "status", "error_code",
        "error_message", "error_hint", "test_index", "stance_side", "lifted_side",
        "hold_start_s", "hold_end_s", "hold_duration_s", "pelvic_drop_median_deg",
        "pelvic_drop_peak_deg", "time_to_drop_s", "trunk_lean_median_deg", "classification",
        "compensated", "weak_side")
    one_leg = [r for r in rows if r["label"] == "one_leg"]
    measured, missed = one_leg
    assert (measured["status"], measured["stance_side"], measured["test_index"],
            measured["classification"]) == ("ok", "right", "0", "negative")
    assert measured["not_measured_reason"] == measured["not_measured_hint"] == ""
    assert missed["status"] == NOT_MEASURED == "not_measured"
    assert (missed["stance_side"], missed["lifted_side"]) == ("left", "right")
    assert missed["test_index"] == missed["classification"] == missed["error_code"] == ""
    assert missed["date"] == "2026-01-02T10:00:00+00:00" and missed["input"] == "one_leg.mp4"
    assert "LEFT leg was found" in missed["not_measured_reason"]
    assert "lift the right foot" in missed["not_measured_hint"]
    # both legs measured: no such row
    assert [r["status"] for r in rows if r["label"] == "both"] == ["ok", "ok"]


def test_a_folder_replaced_by_two_writers_at_once_is_one_of_them_whole(tmp_path):
    final = tmp_path / "clip"
    write_result_folder(final, Result(input="old.mp4", status=Status.ERROR))
    stages = []
    for writer in range(8):
        stage = tmp_path / f".clip.partial-{writer}"
        stage.mkdir()
        for i in range(20):
            (stage / f"part{i}.txt").write_text(str(writer))
        stages.append(stage)
    threads = [threading.Thread(target=publish_folder, args=(s, final)) for s in stages]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    contents = {p.read_text() for p in final.iterdir()}
    assert len(contents) == 1 and len(list(final.iterdir())) == 20
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip"]


def test_progress_counts_the_inputs_done_and_skipped(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    inputs = [_touch(tmp_path / "in" / f"{name}.mp4", b"not a video") for name in "ab"]
    for _ in range(2):  # the second run finds both done (failed on the same input)
        seen = []
        run_batch(inputs, tmp_path / "out", config=Config(),
                  progress=lambda f, m, seen=seen: seen.append((f, m)))
        assert seen == [(0.5, "1 of 2 videos analysed"), (1.0, "2 of 2 videos analysed")]


def _ok_result(folder, input_text, config_doc):
    """A successful result folder as an earlier run left it (schema 1.0)."""
    folder.mkdir(parents=True)
    (folder / RESULT_JSON).write_text(json.dumps({
        "schema_version": "1.0", "input": input_text, "status": "ok", "config": config_doc,
        "tests": []}))


def _flat(config):
    """``config`` in the flat form of result.json written by earlier versions."""
    return {k: v for section in config.to_dict().values() for k, v in section.items()}


def test_resume_skips_results_made_with_the_same_settings_also_old_flat_ones(tmp_path,
                                                                             monkeypatch):
    monkeypatch.chdir(tmp_path)
    inputs = [_touch(tmp_path / "in" / f"{name}.mp4", b"not a video")
              for name in ("nested", "flat", "other", "partial")]
    inputs = [p.relative_to(tmp_path) for p in inputs]
    out = tmp_path / "study"
    config = Config().with_changes(positive_from_deg=5.0)
    _ok_result(out / "nested", str(inputs[0]), config.to_dict())
    _ok_result(out / "flat", str(inputs[1]), json.loads(json.dumps(_flat(config))))
    _ok_result(out / "other", str(inputs[2]), Config().to_dict())        # other settings
    partial = _flat(Config())
    del partial["max_pose_fps"]            # made before that setting existed: not the same
    _ok_result(out / "partial", str(inputs[3]), partial)
    # with the defaults only the folder made with the defaults is skipped
    assert [o.skipped for o in run_batch(inputs[2:], out, config=Config())] == [True, False]
    outcomes = run_batch(inputs, out, config=config)
    assert [o.skipped for o in outcomes] == [True, True, False, False]
    assert [o.ok for o in outcomes] == [True, True, False, False]  # analysed: not a video
