"""One video through the library, as every page does it: :func:`screening.analyse_video`
writes the result folder, :func:`screening.records.record_result` adds the printable report
and the record of the person; the folder is then loaded for display."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import streamlit as st

from screening import Config, analyse_video
from screening.progress import Progress
from screening.records import DEFAULT_ORGANISATION, record_result
from screening.results import Result, ResultBundle

from .account import Account


def analyse_file(path: str | Path, out_dir: Path, *, source: str, person: str | None = None,
                 account: Account | None = None, progress=None,
                 config: Config = Config(), operator: str | None = None,
                 notes: str | None = None) -> ResultBundle:
    """Analyse one video with :func:`screening.analyse_video` into ``out_dir``, then
    :func:`screening.records.record_result` (printable report; the record for ``person``;
    both with the examiner and the notes) and load it for display."""
    result = analyse_video(path, config=config, out_dir=out_dir, progress=progress)
    return finish_output(out_dir, result.to_result(), source=source, person=person,
                         account=account, operator=operator, notes=notes)


def finish_output(out_dir: Path, result: Result, *, source: str, person: str | None,
                  account: Account | None, operator: str | None = None,
                  notes: str | None = None) -> ResultBundle:
    """Add the printable report and the record to a written result folder."""
    bundle = ResultBundle.from_dir(out_dir)
    problems = []
    if result.ok:
        records = account.records if account is not None else None
        if person is not None and records is None:
            problems.append("The result was not recorded: the records database is not "
                            "available. " + (account.problem.one_line()
                                             if account and account.problem else ""))
            person = None
        outcome = record_result(result, out_dir=out_dir, person=person, source=source,
                                records=records, bundle=bundle, operator=operator,
                                notes=notes,
                                organisation=account.organisation if account
                                else DEFAULT_ORGANISATION)
        problems += outcome.problems
        if outcome.error is not None:
            problems.append(f"The result was not recorded: {outcome.error.one_line()}")
    return replace(bundle, output_problems=tuple(problems))


def run_with_progress(src: Path, out_dir: Path, *, source: str, person: str | None,
                      account: Account, operator: str | None = None,
                      notes: str | None = None) -> ResultBundle:
    """:func:`analyse_file` with a progress bar on the page."""
    bar = st.progress(0.0, text="Starting...")
    try:
        bundle = analyse_file(src, out_dir, source=source, person=person, account=account,
                              progress=bar_progress(bar, "Analysing: "), operator=operator,
                              notes=notes)
    finally:
        bar.empty()
    return bundle


def bar_progress(bar, prefix: str = "") -> Progress:
    """A :class:`screening.progress.Progress` shown on a Streamlit progress bar."""
    def report(fraction: float, message: str) -> None:
        bar.progress(min(max(float(fraction), 0.0), 1.0), text=prefix + message)

    return report
