"""Records of people, sessions and results in a database (docs/RECORDS.md).

SQLAlchemy 2 ORM, schema managed by the Alembic migrations shipped in this package and
applied on first use. Default: a SQLite file in the user data folder; any SQLAlchemy URL
(e.g. ``postgresql://user@host:5432/db``) in ``PELVIC_SCREEN_DATABASE_URL``.

The one call after :func:`screening.analyse_video` has written a result folder is
:func:`record_result`: it adds the printable report to the folder and records the result
for a person. The CLI, the batch runner and the app all use it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ..results import ANNOTATED_MP4, RESULT_JSON, Result, ResultBundle, read_result
from ..wording import clean_text
from .compare import SDD_DEG, asymmetry, compare_sessions, noise_deg, side_uncertainty_deg
from .db import (
    DATA_DIR_ENV,
    DATABASE_URL_ENV,
    RecordsError,
    database_url,
    default_data_dir,
    hide_password,
)
from .export import CSV_COLUMNS, sessions_csv
from .models import DEFAULT_ORGANISATION, Person, ScreeningSession, SideResult
from .opening import HISTORY_FILE, close_all, open_records
from .store import ImportSummary, Records, clean_label

__all__ = [
    "CSV_COLUMNS", "DATABASE_URL_ENV", "DATA_DIR_ENV", "DEFAULT_ORGANISATION",
    "HISTORY_FILE", "SDD_DEG", "ImportSummary", "Person",
    "RecordOutcome", "Records", "RecordsError", "ScreeningSession", "SideResult",
    "asymmetry", "clean_details", "clean_label", "close_all", "compare_sessions", "database_url",
    "default_data_dir", "hide_password", "open_records", "record_result", "sessions_csv",
    "write_report", "noise_deg", "side_uncertainty_deg",
]


@dataclass
class RecordOutcome:
    """What :func:`record_result` did."""

    session_id: int | None = None       # the recorded session (None: not recorded)
    created: bool = False                # a new session (False: an existing one updated)
    reports: dict[str, Path] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)   # report problems, for people
    error: RecordsError | None = None    # the record could not be written


def write_report(out_dir: str | Path, *, subject_label: str = "", operator: str | None = None,
                 notes: str | None = None, bundle: ResultBundle | None = None
                 ) -> dict[str, Path]:
    """report.html and report.pdf in a result folder (screening.report_html); kept when
    they are newer than result.json and no label, examiner or notes are given."""
    from ..report_html import REPORT_HTML, write_reports

    out_dir = Path(out_dir)
    html, result = out_dir / REPORT_HTML, out_dir / RESULT_JSON
    if (not subject_label and operator is None and notes is None and bundle is None
            and html.is_file() and result.is_file()
            and html.stat().st_mtime_ns >= result.stat().st_mtime_ns):
        return {"report_html": html}
    return write_reports(out_dir, subject_label=subject_label, operator=operator,
                         notes=notes, bundle=bundle)


def clean_details(operator: str | None, notes: str | None) -> tuple[str | None, str | None]:
    """The examiner and the notes as stored: surrounding blanks removed, the examiner on
    one line of at most 200 characters. None stays None (not given: an earlier value is
    kept); a blank text becomes "" (given empty: an earlier value is removed)."""
    who = None if operator is None else " ".join(str(operator).split())[:200]
    return who, None if notes is None else clean_text(notes)


def record_result(result: str | Path | Result, *, person: str | None = None,
                  source: str = "cli", operator: str | None = None,
                  notes: str | None = None, force: bool = False,
                  organisation: str = DEFAULT_ORGANISATION, records: Records | None = None,
                  out_dir: str | Path | None = None, reports: bool = True,
                  bundle: ResultBundle | None = None, input_name: str | None = None,
                  keep_video: bool = False, recorded_at: dt.datetime | None = None
                  ) -> RecordOutcome:
    """After :func:`screening.analyse_video` wrote a result folder: add the printable
    report to it and, when ``person`` is given, record the result for that person.
    ``operator`` (the examiner) and ``notes`` go into both, the report and the record;
    None keeps what the session has, an empty text removes it.

    ``result``: the result folder, its result.json, or the result (then ``out_dir`` names
    the folder, if any). Only successful analyses are recorded. The same
    recording (same input sha256) for the same person updates its session unless
    ``force`` (a repeat: a further session). ``keep_video`` stores the annotated video's
    path (never the video itself). Never raises for database problems: they are in
    ``outcome.error`` (message and hint; the folder stands and can be imported later with
    ``pelvic-screen import``). A result folder that cannot be read raises ResultReadError.
    """
    outcome = RecordOutcome()
    if isinstance(result, Result):
        folder = Path(out_dir) if out_dir is not None else None
    else:
        path = Path(result)
        folder = path if path.is_dir() else path.parent
        result = read_result(folder)
    if not result.ok:
        return outcome
    operator, notes = clean_details(operator, notes)
    if reports and folder is not None and (folder / RESULT_JSON).is_file():
        try:
            outcome.reports = write_report(folder, subject_label=person or "",
                                           operator=operator, notes=notes, bundle=bundle)
        except Exception as exc:  # the result stands without the printable report
            outcome.problems.append(f"The printable report could not be made: {exc}")
    if person is None:
        return outcome
    video = None
    if keep_video and folder is not None and (folder / ANNOTATED_MP4).is_file():
        video = str((folder / ANNOTATED_MP4).resolve())
    try:
        db = records or open_records()
        outcome.session_id, outcome.created = db.record(
            result, person=person, source=source, organisation=organisation, operator=operator,
            notes=notes, output_dir=None if folder is None else folder.resolve(),
            force=force, input_name=input_name, annotated_video=video,
            recorded_at=recorded_at)
    except RecordsError as exc:
        outcome.error = exc
    except ValueError as exc:   # a bad label
        outcome.error = RecordsError(str(exc), "Give the person a name or an id.",
                                     code="records_bad_label")
    return outcome
