"""``summary.csv``: one row per detected hold of every result folder under a batch's
output folder, whichever run made it, and one per leg the protocol asked for that was
never measured (``status`` NOT_MEASURED, with the reason), so that a study's table shows
every leg (docs/OUTPUTS.md lists the columns).

It is rebuilt from the ``result.json`` files on disk after every batch, atomically, so it
always matches the result folders, also those of earlier runs and of other machines.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from .files import atomic_open
from .results import RESULT_JSON, Result, ResultReadError, read_result

SUMMARY_CSV = "summary.csv"
SUMMARY_COLUMNS = (
    "input", "output_dir", "label", "person", "date", "status", "error_code", "error_message",
    "error_hint", "test_index", "stance_side", "lifted_side", "hold_start_s", "hold_end_s",
    "hold_duration_s", "pelvic_drop_median_deg", "pelvic_drop_peak_deg", "time_to_drop_s",
    "trunk_lean_median_deg", "classification", "compensated", "weak_side",
    "not_measured_reason", "not_measured_hint",
)
# the status of a row for a leg that was asked for and never measured (the result's own
# status, "ok" or "error", is in the rows of its holds)
NOT_MEASURED = "not_measured"


class Outcome(Protocol):
    """What a row of this run needs of a batch outcome (``screening.batch.ItemOutcome``)."""

    input: Path
    out_dir: Path
    result: Result


def _result_rows(result: Result, *, input_text: str, output_dir: str, label: str,
                 date: str) -> list[dict]:
    """The rows of one result: one per hold (``test_index``: its index into ``holds``) and
    one per missed leg (``status`` NOT_MEASURED, with the reason and what to do); one with
    the error, or with nothing measured, when it has neither."""
    error = result.error
    base = {"input": input_text, "output_dir": output_dir, "label": label,
            "person": result.person, "date": date, "status": result.status.value,
            "error_code": error.code if error else "",
            "error_message": error.message if error else "",
            "error_hint": error.hint if error else ""}
    if not result.holds and not result.missed_holds:
        return [base]
    rows = []
    for i, h in enumerate(result.holds):
        rows.append({**base, "test_index": i, "stance_side": h.stance_side.value,
                     "lifted_side": h.lifted_side.value, "hold_start_s": h.hold_start_s,
                     "hold_end_s": h.hold_end_s, "hold_duration_s": h.hold_duration_s,
                     "pelvic_drop_median_deg": h.pelvic_drop.median_deg,
                     "pelvic_drop_peak_deg": h.pelvic_drop.peak_deg,
                     "time_to_drop_s": h.time_to_drop_s,
                     "trunk_lean_median_deg": h.trunk_lean_median_deg,
                     "classification": h.classification.value, "compensated": h.compensated,
                     "weak_side": h.weak_side.value if h.weak_side else None})
    for m in result.missed_holds:
        rows.append({**base, "status": NOT_MEASURED, "stance_side": m.stance_side.value,
                     "lifted_side": m.lifted_side.value, "not_measured_reason": m.message,
                     "not_measured_hint": m.hint})
    return rows


def _date(result: Result, result_file: Path) -> str:
    """When the input was analysed: ``analysed_at`` from result.json, else the time the
    file was written (ISO 8601, local time with offset)."""
    if result.analysed_at:
        return result.analysed_at
    stamp = dt.datetime.fromtimestamp(result_file.stat().st_mtime).astimezone()
    return stamp.isoformat(timespec="seconds")


def summary_rows(outcomes: Iterable[Outcome]) -> list[dict]:
    """summary.csv rows of this run's outcomes (``output_dir`` relative to the batch's
    output folder)."""
    rows = []
    for o in outcomes:
        result_file = o.out_dir / RESULT_JSON
        date = (o.result.analysed_at or "") if not result_file.is_file() \
            else _date(o.result, result_file)
        rows.extend(_result_rows(o.result, input_text=o.result.input or str(o.input),
                                 output_dir=o.out_dir.name, label=o.out_dir.name, date=date))
    return rows


def result_files(out_root: Path) -> list[Path]:
    """Every result.json under ``out_root`` (hidden folders, e.g. staging ones, skipped)."""
    found = []
    for folder, subfolders, files in os.walk(out_root):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        if RESULT_JSON in files:
            found.append(Path(folder) / RESULT_JSON)
    return sorted(found, key=lambda f: f.relative_to(out_root).parts)


def study_rows(out_root: Path) -> list[dict]:
    """summary.csv rows of every result folder under ``out_root``, whichever run made it."""
    out_root = Path(out_root)
    rows = []
    for result_file in result_files(out_root):
        try:
            result = read_result(result_file)
        except ResultReadError:
            continue  # being replaced right now, or not ours
        folder = result_file.parent
        rows.extend(_result_rows(result, input_text=result.input,
                                 output_dir=folder.relative_to(out_root).as_posix(),
                                 label=folder.name, date=_date(result, result_file)))
    return rows


def write_summary(out_root: Path) -> Path:
    """Rebuild ``out_root/summary.csv`` from every result under ``out_root``, atomically."""
    path = Path(out_root) / SUMMARY_CSV
    with atomic_open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=SUMMARY_COLUMNS, restval="")
        writer.writeheader()
        for row in study_rows(Path(out_root)):
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return path
