"""The records commands (screening.records): ``people``, ``history``, ``forget`` and
``import``; the record options of ``analyze``, and what is done after each analysed input
(the printable report and the record)."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..batch import ItemOutcome
    from ..outputs import ReportDetails


def add_record_options(a: argparse.ArgumentParser) -> None:
    """The record options of ``analyze``."""
    g = a.add_argument_group("records (docs/RECORDS.md)")
    who = g.add_mutually_exclusive_group()
    who.add_argument("--person", metavar="LABEL", default=None,
                     help="record every successful analysis for this person (a name or a "
                     "pseudonymous id); with --force a re-analysed input is recorded as a "
                     "further session instead of updating its session")
    who.add_argument("--person-from-folder", action="store_true",
                     help="the person of each input is the name of its parent folder")
    g.add_argument("--operator", metavar="NAME", default=None,
                   help="who ran the test, the examiner (in the printable report and stored "
                   "with the session)")
    g.add_argument("--notes", metavar="TEXT", default=None,
                   help="free-text notes on the session (in the printable report and stored "
                   "with the session)")
    g.add_argument("--keep-video-path", action="store_true",
                   help="store the path of the annotated video with the session (never the "
                   "video itself)")
    g.add_argument("--organisation", default="local", help=argparse.SUPPRESS)


def add_records_commands(sub) -> None:
    """``people``, ``history``, ``forget`` and ``import``."""
    p = sub.add_parser("people", help="list the people in the records",
                       description="The people in the records with their number of sessions.")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    h = sub.add_parser("history", help="the recorded sessions of one person",
                       description="One person's sessions, oldest first: per tested leg the "
                       "median pelvic drop and the verdict, as in result.json's 'sides'.")
    h.add_argument("--person", required=True, metavar="LABEL")
    fmt = h.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print a JSON list of sessions")
    fmt.add_argument("--csv", action="store_true", help="print CSV, one row per tested leg")
    f = sub.add_parser("forget", help="delete a person and all their records",
                       description="Delete the person and every session and result of "
                       "theirs from the records (result folders on disk are not touched).")
    f.add_argument("--person", required=True, metavar="LABEL")
    f.add_argument("--yes", action="store_true", help="really delete (required)")
    i = sub.add_parser("import", help="record existing result folders for a person",
                       description="Record every successful result.json under RESULTS_DIR "
                       "for the person (e.g. analyses made while the database was "
                       "unavailable). Already recorded results are updated, not doubled.")
    i.add_argument("results", metavar="RESULTS_DIR")
    i.add_argument("--person", required=True, metavar="LABEL")
    i.add_argument("--operator", metavar="NAME", default=None)
    for parser in (p, h, f, i):
        parser.add_argument("--organisation", default="local", help=argparse.SUPPRESS)
        parser.set_defaults(run=run_records_command)


class Recorder:
    """After each analysed input of ``analyze``: the printable report and the record."""

    def __init__(self, args) -> None:
        self.args = args
        self.records = None
        self.error = None       # the database could not be opened: not tried again
        self.failed = 0

    def person_for(self, input_path: Path) -> str | None:
        if self.args.person_from_folder:
            return input_path.resolve().parent.name
        return self.args.person

    def report_for(self, input_path: Path) -> ReportDetails:
        """The printable report's details for an input; the worker that analyses it
        writes the report with the result."""
        from ..outputs import ReportDetails

        operator, notes = self.args.operator, self.args.notes
        if operator is not None or notes is not None:
            from ..records import clean_details  # as they are stored

            operator, notes = clean_details(operator, notes)
        return ReportDetails(subject_label=self.person_for(input_path) or "",
                             operator=operator, notes=notes)

    def after(self, outcome: ItemOutcome) -> str:
        """Report (unless the worker did) and record ``outcome``; returns text to add to
        its line."""
        if not outcome.ok:
            return ""
        person = self.person_for(outcome.input)
        reported = not outcome.skipped and has_report(outcome.out_dir)
        if person is None and reported:
            return ""  # nothing to record: the records are not even loaded
        from ..records import RecordsError, open_records, record_result

        if person is not None and self.records is None and self.error is None:
            try:
                self.records = open_records()
            except RecordsError as exc:
                self.error = exc
                print(f"error: {exc.one_line()}", file=sys.stderr)
        done = record_result(outcome.out_dir, person=None if self.error else person,
                             source="cli", operator=self.args.operator,
                             notes=self.args.notes,
                             force=self.args.force and not outcome.skipped,
                             organisation=self.args.organisation, records=self.records,
                             keep_video=self.args.keep_video_path, reports=not reported)
        notes = list(done.problems)
        if person is not None and (self.error or done.error):
            self.failed += 1
            if done.error:
                notes.append(f"not recorded: {done.error.one_line()}")
            notes.append(f"record it later: pelvic-screen import {outcome.out_dir} "
                         f"--person {shlex.quote(person)}")
        elif done.session_id is not None:
            notes.append(f"recorded for {person}" + ("" if done.created else " (updated)"))
        return "".join(f" [{n}]" for n in notes)


def record_again(folder: Path, args) -> tuple[str, bool]:
    """Update the person's record of a re-analysed folder: (text for its line, done)."""
    from ..records import record_result

    done = record_result(folder, person=args.person, source="cli", operator=args.operator,
                         notes=args.notes, organisation=args.organisation, reports=False)
    if done.error is not None:
        return (f" [not recorded: {done.error.one_line()}; record it later: pelvic-screen "
                f"import {folder} --person {shlex.quote(args.person)}]"), False
    return f" [recorded for {args.person}" + ("]" if done.created else " (updated)]"), True


def has_report(out_dir: Path) -> bool:
    """Whether a result folder holds the printable report (report.html and report.pdf)."""
    from ..report_html import REPORT_HTML, REPORT_PDF

    return (out_dir / REPORT_HTML).is_file() and (out_dir / REPORT_PDF).is_file()


def run_records_command(args, parser=None) -> int:
    from ..records import RecordsError, open_records, sessions_csv

    if args.command == "forget" and not args.yes:
        print(f"Refusing to delete {args.person!r} and all their records without --yes. "
              f"Run: pelvic-screen forget --person {shlex.quote(args.person)} --yes",
              file=sys.stderr)
        return 1
    try:
        records = open_records()
        for warning in records.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        org = args.organisation
        if args.command == "people":
            people = records.people(organisation=org)
            if args.json:
                print(json.dumps(people, indent=2))
            elif not people:
                print(f"No people in the records yet ({records.safe_url}).")
            for p in [] if args.json else people:
                last = (p["last_recorded_at"] or "-")[:16].replace("T", " ")
                print(f"{p['label']}\t{p['sessions']} session(s)\tlast {last}")
            return 0
        if args.command == "history":
            sessions = records.sessions(args.person, organisation=org)
            if sessions is None:
                print(f"error: nobody called {args.person!r} in the records. Hint: "
                      "`pelvic-screen people` lists them.", file=sys.stderr)
                return 1
            if args.json:
                print(json.dumps(sessions, indent=2))
            elif args.csv:
                sys.stdout.write(sessions_csv(sessions))
            else:
                for ses in sessions:
                    print(describe_session(ses))
            return 0
        if args.command == "forget":
            n = records.forget(args.person, organisation=org)
            if n is None:
                print(f"error: nobody called {args.person!r} in the records.", file=sys.stderr)
                return 1
            print(f"Deleted {args.person!r} and {n} session(s) from the records.")
            return 0
        if not Path(args.results).exists():
            print(f"error: {args.results} does not exist.", file=sys.stderr)
            return 1
        summary = records.import_results(args.results, person=args.person,
                                         organisation=org, operator=args.operator)
        for line in summary.skipped:
            print(f"skipped {line}", file=sys.stderr)
        print(f"{summary.recorded} result(s) recorded and {summary.updated} updated for "
              f"{args.person!r}.")
        return 0 if summary.recorded + summary.updated or not summary.skipped else 1
    except RecordsError as exc:
        print(f"error: {exc.one_line()}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def not_measured_text(side: dict) -> str:
    """"not measured", with the first reason's first sentence when the side has one."""
    reasons = side.get("reasons") or []
    why = reasons[0].split(". ")[0].rstrip(".") if reasons else ""
    return f"not measured: {why}" if why else "not measured"


def describe_session(ses: dict) -> str:
    """One line per recorded session: when, which input, each tested leg's verdict."""
    import datetime as dt

    when = dt.datetime.fromisoformat(ses["recorded_at"]).astimezone().strftime("%Y-%m-%d %H:%M")
    parts = []
    for side in ses["sides"]:
        drop = side["pelvic_drop_deg"]["median"]
        parts.append(f"{side['stance_side']} stance {side['classification']} ("
                     + (not_measured_text(side) if drop is None else f"{drop:+.1f} deg")
                     + ")")
    asym = ses.get("asymmetry")
    if asym:
        parts.append(f"left-right {asym['difference_deg']:+.1f} deg"
                     + (" (beyond noise)" if asym["exceeds_noise"] else " (within noise)"))
    return f"{when}  {ses['input']} [{ses['source']}]: " + "; ".join(parts)
