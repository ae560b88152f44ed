"""tools/compare_results: two result folders compare by what they measured."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

from screening.outputs import write_result_json
from screening.results import RESULT_JSON, Failure, Result, Status, read_result
from tools.compare_results import compare_results, main

OLD_FOLDER = Path(__file__).parent / "data" / "result_schema_1.0" / "positive_left_stance"


def _as_schema_2(result: Result, folder: Path) -> None:
    folder.mkdir(parents=True)
    write_result_json(folder / RESULT_JSON, result)


def test_a_schema_1_result_and_its_schema_2_copy_measured_the_same(tmp_path):
    old = read_result(OLD_FOLDER)
    _as_schema_2(old, tmp_path / "after" / "clip")
    shutil.copytree(OLD_FOLDER, tmp_path / "before" / "clip")
    assert json.loads((tmp_path / "after" / "clip" / "result.json").read_text())["holds"]
    assert compare_results(old, read_result(tmp_path / "after" / "clip")) == []
    assert main([str(tmp_path / "before"), str(tmp_path / "after")]) == 0


def test_a_changed_drop_and_class_are_reported(tmp_path, capsys):
    old = read_result(OLD_FOLDER)
    hold = old.holds[0]
    changed_hold = dataclasses.replace(
        hold, pelvic_drop=dataclasses.replace(hold.pelvic_drop,
                                              median_deg=hold.pelvic_drop.median_deg + 0.5))
    new = dataclasses.replace(old, holds=(changed_hold,) + old.holds[1:])
    lines = compare_results(old, new)
    assert lines == [f"hold 0 drop_median_deg: {hold.pelvic_drop.median_deg} -> "
                     f"{hold.pelvic_drop.median_deg + 0.5}"]
    assert compare_results(old, new, tolerance=0.6) == []

    shutil.copytree(OLD_FOLDER, tmp_path / "before" / "clip")
    _as_schema_2(new, tmp_path / "after" / "clip")
    assert main([str(tmp_path / "before"), str(tmp_path / "after")]) == 1
    assert "1 compared, 1 different" in capsys.readouterr().out


def test_a_missing_hold_and_a_failed_result_are_reported():
    old = read_result(OLD_FOLDER)
    assert compare_results(old, dataclasses.replace(old, holds=()))[0] == \
        f"{len(old.holds)} holds -> 0"
    failed = dataclasses.replace(old, status=Status.ERROR, holds=(), sides=(),
                                 error=Failure("no_person", "No person was seen."))
    assert compare_results(old, failed)[:2] == ["status ok -> error", "error None -> no_person"]
