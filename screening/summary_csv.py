"""``summary.csv``: one row per detected hold of every result folder under a batch's
output folder, whichever run made it (docs/OUTPUTS.md lists the columns).

It is rebuilt from the ``result.json`` files on disk after every batch, atomically, so it
always matches the result folders, also those of earlier runs and of other machines.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from .files import atomic_open
from .report import RESULT_JSON

SUMMARY_CSV = "summary.csv"
SUMMARY_COLUMNS = (
    "input", "output_dir", "label", "person", "date", "status", "error_code", "error_message",
    "error_hint", "test_index", "stance_side", "lifted_side", "hold_start_s", "hold_end_s",
    "hold_duration_s", "pelvic_drop_median_deg", "pelvic_drop_peak_deg", "time_to_drop_s",
    "trunk_lean_median_deg", "classification", "compensated", "weak_side",
)


class Outcome(Protocol):
    """What a row of this run needs of a batch outcome (``screening.batch.ItemOutcome``)."""

    input: Path
    out_dir: Path
    document: dict


def _document_rows(doc: dict, *, input_text: str, output_dir: str, label: str, person: str,
                   date: str) -> list[dict]:
    base = {"input": input_text, "output_dir": output_dir, "label": label, "person": person,
            "date": date, "status": doc.get("status"),
            "error_code": (doc.get("error") or {}).get("code", ""),
            "error_message": (doc.get("error") or {}).get("message", ""),
            "error_hint": (doc.get("error") or {}).get("hint", "")}
    tests = doc.get("tests") or []
    if not tests:
        return [base]
    rows = []
    for i, t in enumerate(tests):
        rows.append({**base, "test_index": i, "stance_side": t["stance_side"],
                     "lifted_side": t["lifted_side"], "hold_start_s": t["hold_start_s"],
                     "hold_end_s": t["hold_end_s"], "hold_duration_s": t["hold_duration_s"],
                     "pelvic_drop_median_deg": t["pelvic_drop_deg"]["median"],
                     "pelvic_drop_peak_deg": t["pelvic_drop_deg"]["peak"],
                     "time_to_drop_s": t["time_to_drop_s"],
                     "trunk_lean_median_deg": t["trunk_lean_deg"]["median"],
                     "classification": t["classification"], "compensated": t["compensated"],
                     "weak_side": t["weak_side"]})
    return rows


def _person(doc: dict) -> str:
    """The optional ``person`` of a result: a name or id string, or a record with one."""
    person = doc.get("person")
    if isinstance(person, dict):
        person = person.get("name") or person.get("id") or ""
    return "" if person is None else str(person)


def _date(doc: dict, result_file: Path) -> str:
    """When the input was analysed: ``analysed_at`` from result.json, else the time the
    file was written (ISO 8601, local time with offset)."""
    when = doc.get("analysed_at")
    if isinstance(when, str) and when:
        return when
    stamp = dt.datetime.fromtimestamp(result_file.stat().st_mtime).astimezone()
    return stamp.isoformat(timespec="seconds")


def summary_rows(outcomes: Iterable[Outcome]) -> list[dict]:
    """summary.csv rows of this run's outcomes (``output_dir`` relative to the batch's
    output folder)."""
    rows = []
    for o in outcomes:
        result_file = o.out_dir / RESULT_JSON
        date = (o.document.get("analysed_at") or "") if not result_file.is_file() \
            else _date(o.document, result_file)
        rows.extend(_document_rows(o.document, input_text=str(o.document.get("input", o.input)),
                                   output_dir=o.out_dir.name, label=o.out_dir.name,
                                   person=_person(o.document), date=date))
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
            doc = json.loads(result_file.read_text())
        except (OSError, ValueError):
            continue  # being replaced right now, or not ours
        if not isinstance(doc, dict):
            continue
        folder = result_file.parent
        rows.extend(_document_rows(doc, input_text=str(doc.get("input", "")),
                                   output_dir=folder.relative_to(out_root).as_posix(),
                                   label=folder.name, person=_person(doc),
                                   date=_date(doc, result_file)))
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
