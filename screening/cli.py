"""Command line: ``pelvic-screen analyze ...`` (also spelled ``analyse``), ``reanalyse``,
``config``, ``model``, ``markers``, ``agreement``, the records commands (``people``,
``history``, ``forget``, ``import``; screening.records) and ``app`` (screening.app.launch).

The analysis settings are flags made from the fields of screening.config (name, type,
default, unit, range and help text), so they cannot drift from the defaults; ``--config
FILE`` reads them from a TOML file first (defaults < file < flags).

Exit codes: 0 every input succeeded, 1 any input failed, 2 usage error or a cluster that
cannot be used (nothing analysed), 130 interrupted.

Start-up is kept short: numpy, scipy, av, mediapipe, dask and streamlit are imported only
by the command that needs them, not for ``--help``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .app.launch import add_app_command, run_app
from .config import (
    ANALYSIS_SECTIONS,
    SECTIONS,
    Config,
    SettingInfo,
    flag_changes,
    read_config_file,
    section_settings,
    to_toml,
)
from .errors import ClusterError, ConfigError, ModelError, ScreeningError

if TYPE_CHECKING:
    from .batch import ItemOutcome
    from .outputs import ReportDetails

SUMMARY_CSV = "summary.csv"  # screening.batch.SUMMARY_CSV (a test checks they agree)
CLUSTER_ENV = "PELVIC_SCREEN_CLUSTER"  # screening.cluster.CLUSTER_ENV
SETTING_DEST = "setting:"    # argparse destination of a setting flag: SETTING_DEST + name
_METAVARS = {"deg": "DEG", "s": "S", "Hz": "HZ", "px": "PX", "frames/s": "FPS",
             "leg lengths": "LEGS", "fraction": "FRACTION", "ratio": "RATIO",
             "grey level": "LEVEL"}


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


# ---------------------------------------------------------------------------------------
# settings: --config FILE and one flag per field of screening.config


def _flag_help(info: SettingInfo) -> str:
    default = (str(info.default).lower() if info.type is bool else f"{info.default:g}"
               if info.type in (int, float) else info.default)
    return f"{info.help} ({info.accepted()}; default: {default})".replace("%", "%%")


def add_settings(parser: argparse.ArgumentParser, sections=tuple(SECTIONS)) -> None:
    """``--config FILE`` and a flag for every setting of ``sections``, one help group per
    section. A flag not given leaves no value (the file's or the default applies)."""
    parser.add_argument("--config", metavar="FILE", default=None,
                        help="read the settings from this TOML file (`pelvic-screen config "
                        "--print` writes one to start from); flags win over it. "
                        "docs/CONFIG.md")
    for section in sections:
        cls = SECTIONS[section]
        group = parser.add_argument_group(
            f"settings [{section}]", (cls.__doc__ or "").split("\n\n")[0].replace("%", "%%"))
        for info in section_settings(cls):
            options = {"dest": SETTING_DEST + info.name, "default": argparse.SUPPRESS,
                       "help": _flag_help(info)}
            if info.type is bool:
                options["action"] = argparse.BooleanOptionalAction
            elif info.choices:
                options.update(choices=info.choices, metavar="NAME")
            else:
                options.update(type=info.type, metavar=_METAVARS.get(info.unit, "VALUE"))
            group.add_argument(info.flag, *info.aliases, **options)


def setting_sources(args) -> list[tuple[str, dict]]:
    """Where the settings of this command come from, lowest first: the ``--config`` file's
    tables, then the flags given. Raises ConfigError when the file cannot be read."""
    sources = []
    if getattr(args, "config", None):
        sources.append((str(args.config), read_config_file(args.config)))
    flags = {dest[len(SETTING_DEST):]: value for dest, value in vars(args).items()
             if dest.startswith(SETTING_DEST)}
    if flags:
        sources.append(("the command line", flag_changes(flags)))
    return sources


def apply_settings(base: Config, sources: list[tuple[str, dict]]) -> Config:
    """``base`` with each source applied in turn (a later one wins). Raises ConfigError."""
    for where, data in sources:
        base = base.updated(data, where=where)
    return base


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pelvic-screen",
        description="Measure pelvic drop in single-leg-stance videos (Trendelenburg test).")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    a = sub.add_parser(
        "analyze", aliases=["analyse"], help="analyse one or more videos (files or folders)",
        description="Analyse single-leg-stance videos. For each input, writes "
        "DIR/<name>/result.json, timeseries.csv, landmarks.npz and annotated.mp4, and "
        f"DIR/{SUMMARY_CSV} with one row per detected hold of every result in DIR. The "
        "settings are the defaults, then a --config file, then the setting flags. Exit code: "
        "0 all succeeded, 1 any input failed, 2 usage error (also a bad setting) or a cluster "
        "that cannot be used, 130 interrupted.")
    a.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="video files, or folders searched recursively for videos")
    a.add_argument("--out", default="pelvic-screen-results", metavar="DIR",
                   help="output folder (default: %(default)s)")
    a.add_argument("--jobs", type=_positive_int, default=1, metavar="N",
                   help="analyse N files in parallel on this machine (default: %(default)s)")
    a.add_argument("--cluster", metavar="ADDRESS", default=os.environ.get(CLUSTER_ENV) or None,
                   help="run the analyses on a Dask cluster: tcp://HOST:PORT of a running "
                   "scheduler, or local:N for N worker processes here (also "
                   f"{CLUSTER_ENV}). Inputs and DIR must be paths every worker can read "
                   "and write. Needs the 'cluster' extra; see docs/BATCH.md")
    a.add_argument("--force", action="store_true",
                   help="analyse again inputs that already have a result in DIR made with "
                   "the same settings (skipped without it; other settings are always "
                   "analysed again)")
    a.add_argument("--no-video", action="store_true", help="skip the annotated video")
    a.add_argument("--model", metavar="PATH", default=None,
                   help="a MediaPipe pose landmarker .task file to use instead of the "
                   "built-in model (also PELVIC_SCREEN_MODEL)")
    a.add_argument("--model-sha256", metavar="HEX", default=None,
                   help="expected sha256 of --model (also PELVIC_SCREEN_MODEL_SHA256)")
    a.add_argument("--quiet", action="store_true", help="print only failures and the summary")
    add_record_options(a)
    add_settings(a)

    r = sub.add_parser(
        "reanalyse", aliases=["reanalyze"],
        help="analyse result folders again from their saved landmarks (no video, no model)",
        description="Analyse result folders again from their landmarks.npz (and the printed "
        "markers saved with it), without the video and without the pose model, e.g. with "
        "another threshold or estimator, or after an update. Each folder's result.json, "
        "timeseries.csv and (when it had them) report.html and report.pdf are replaced in one "
        "step, all or nothing; annotated.mp4 is kept as it was. The settings are the folder's "
        "own, then a --config file, then the setting flags; the [video] and [outputs] "
        f"settings cannot change (they made the landmarks and the video). A {SUMMARY_CSV} "
        "next to the folders is brought up to date. Exit code: 0 all succeeded, 1 any folder "
        "failed, 2 usage error (also a bad setting).")
    r.add_argument("folders", nargs="+", metavar="RESULT_DIR",
                   help="result folders (with result.json and landmarks.npz), or folders of "
                   "them such as an `analyze --out` folder")
    r.add_argument("--person", metavar="LABEL", default=None,
                   help="the person named on the printable report; also updates the "
                   "person's record of this result")
    r.add_argument("--operator", metavar="NAME", default=None,
                   help="the examiner named on the printable report (and in the record)")
    r.add_argument("--notes", metavar="TEXT", default=None,
                   help="notes on the printable report (and in the record)")
    r.add_argument("--quiet", action="store_true", help="print only failures and the summary")
    r.add_argument("--organisation", default="local", help=argparse.SUPPRESS)
    add_settings(r, ANALYSIS_SECTIONS)

    c = sub.add_parser(
        "config", help="print the analysis settings as a TOML file to start from",
        description="Print every analysis setting as a commented TOML file, one table per "
        "section: help text, unit, accepted range and value. Without --config and setting "
        "flags the values are the defaults; with them, the settings they give (checked like "
        "`analyze` checks them). Use the file with `analyze --config FILE` or "
        "`reanalyse --config FILE`; docs/CONFIG.md.")
    what = c.add_mutually_exclusive_group(required=True)
    what.add_argument("--print", action="store_true", help="write the settings to the screen "
                      "(standard output)")
    what.add_argument("--out", metavar="FILE", default=None,
                      help="write the settings to FILE (an existing file is not replaced)")
    add_settings(c)

    m = sub.add_parser("model", help="show (or install) the pose model in use",
                       description="Show the pose model in use: path, sha256, source.")
    m.add_argument("--json", action="store_true", help="print a JSON object")
    m.add_argument("--install", action="store_true",
                   help="build the built-in model now (downloads a wheel from PyPI once)")
    m.add_argument("--from-wheel", metavar="WHL", default=None,
                   help="with --install: build from this mediapipe==0.10.21 wheel (offline)")
    m.add_argument("--model", metavar="PATH", default=None, help="check this .task file")
    m.add_argument("--model-sha256", metavar="HEX", default=None,
                   help="expected sha256 of --model")

    k = sub.add_parser("markers", help="write the printable pelvis marker sheet (PDF)",
                       description="Write the sheet with the two pelvis markers (5.0 cm ArUco "
                       "DICT_4X4_50, id 0 for the right side of the body, id 1 for the left), "
                       "a 10 cm ruler to check the print scale, and where the markers go. "
                       "Print it at 100 % (actual size). See docs/MARKERS.md.")
    k.add_argument("--pdf", required=True, metavar="FILE", help="the PDF file to write")
    k.add_argument("--paper", choices=("a4", "letter"), default="a4", type=str.lower,
                   help="paper size (default: %(default)s)")

    g = sub.add_parser("agreement", help="markerless against marker drops over many results",
                       description="Read result.json files and summarise how the markerless "
                       "pelvic drop agrees with the marker drop on the holds measured with "
                       "markers: n, bias (markerless - markers), SD, 95% limits of agreement "
                       "(bias +- 1.96 SD), MAE; overall, per view and per clothing. The "
                       "summary holds numbers only. Exit code 0 when at least one hold was "
                       "compared, else 1.")
    g.add_argument("results", nargs="+", metavar="RESULTS_DIR",
                   help="result folders (with result.json), or folders of them such as an "
                   "`analyze --out` folder")
    fmt = g.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print the summary as JSON")
    fmt.add_argument("--csv", action="store_true", help="print one CSV row per group")
    g.add_argument("--clothing", action="append", default=[], metavar="DIR=LABEL",
                   help="label the results under DIR with a clothing LABEL (e.g. "
                   "shorts, leggings, loose); repeat for more folders. Without it, a "
                   "result's own 'clothing' field is used, else 'unknown'")
    add_records_commands(sub)
    add_app_command(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, streamlit_options = parser.parse_known_args(argv)  # `app` passes its options on
    if streamlit_options and args.command != "app":
        parser.error("unrecognized arguments: " + " ".join(streamlit_options))
    try:
        if args.command == "app":
            return run_app(streamlit_options)
        if args.command == "model":
            return _cmd_model(args)
        if args.command == "markers":
            return _cmd_markers(args)
        if args.command == "agreement":
            return _cmd_agreement(args, parser)
        if args.command == "config":
            return _cmd_config(args)
        if args.command in ("reanalyse", "reanalyze"):
            return _cmd_reanalyse(args)
        if args.command in RECORDS_COMMANDS:
            return run_records_command(args)
        return _cmd_analyze(args, parser)
    except KeyboardInterrupt:
        print("Interrupted: the analyses not started were cancelled; finished results are "
              "kept and nothing half-written is (a file already running on a cluster worker "
              "may still finish there). Run the same command again to go on: inputs already "
              "analysed are skipped.", file=sys.stderr)
        return 130


def _cmd_model(args) -> int:
    from .pose.model import install_default_model, resolve_model

    try:
        if args.install and not args.model:
            info = install_default_model(args.from_wheel)
        else:
            info = resolve_model(args.model, args.model_sha256, install=False)
    except ModelError as exc:
        if args.json:
            print(json.dumps({"error": exc.to_dict()}))
        else:
            print(f"error: {exc.one_line()}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(info.to_dict(), indent=2))
    else:
        print(f"path:    {info.path}\nsha256:  {info.sha256}\nsource:  {info.source}\n"
              f"variant: {info.variant}\nversion: {info.version}")
    return 0


def _cmd_markers(args) -> int:
    from .markers.sheet import write_marker_sheet

    try:
        path = write_marker_sheet(args.pdf, paper=args.paper)
    except OSError as exc:
        print(f"error: the marker sheet could not be written to {args.pdf} ({exc}). "
              "Check that the folder exists and is writable.", file=sys.stderr)
        return 1
    print(f"Marker sheet written to {path} ({args.paper.upper()}). Print it at 100 % "
          "(actual size) and check that the ruler measures 10.0 cm.")
    return 0


def _cmd_agreement(args, parser) -> int:
    from .markers.agreement import collect_agreement

    labels = {}
    for item in args.clothing:
        folder, sep, label = item.partition("=")
        if not sep or not folder or not label.strip():
            parser.error(f"--clothing expects DIR=LABEL, got {item!r}")
        labels[folder] = label
    summary = collect_agreement(args.results, clothing=labels)
    for message in summary.messages:
        print(message, file=sys.stderr)
    if args.json:
        print(json.dumps(summary.to_dict(), indent=2))
    elif args.csv:
        rows = summary.rows()
        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: "" if v is None else v for k, v in r.items()} for r in rows)
    else:
        print(_agreement_text(summary))
    if summary.overall.n == 0:
        print(f"No hold measured with markers in {summary.n_results} result(s): nothing to "
              "compare. Record with the printed markers (pelvic-screen markers --pdf).",
              file=sys.stderr)
        return 1
    return 0


def _agreement_text(summary) -> str:
    def fmt(v):
        return "   n/a" if v is None else f"{v:+6.2f}"

    lines = [f"{summary.overall.n} holds with markers in {summary.n_results_with_marker_holds} "
             f"of {summary.n_results} results; difference = markerless - markers (deg)",
             f"{'group':<22}{'n':>4}{'bias':>8}{'SD':>8}{'LoA low':>9}{'LoA high':>9}"
             f"{'MAE':>8}"]
    for row in summary.rows():
        name = row["group"] if row["group"] == "overall" else f"{row['group']}: {row['value']}"
        lines.append(f"{name:<22}{row['n']:>4}{fmt(row['bias_deg']):>8}{fmt(row['sd_deg']):>8}"
                     f"{fmt(row['loa_low_deg']):>9}{fmt(row['loa_high_deg']):>9}"
                     f"{fmt(row['mae_deg']):>8}")
    return "\n".join(lines)


def _cmd_config(args) -> int:
    try:
        text = to_toml(apply_settings(Config(), setting_sources(args)))
    except ConfigError as exc:
        print(f"error: {exc.one_line()}", file=sys.stderr)
        return 2
    if args.print:
        sys.stdout.write(text)
        return 0
    try:
        with open(args.out, "x", encoding="utf-8") as f:
            f.write(text)
    except FileExistsError:
        print(f"error: {args.out} exists already; it was left as it is. Give another file "
              "name, or remove it first.", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: the settings could not be written to {args.out} ({exc.strerror}). "
              "Check that the folder exists and is writable.", file=sys.stderr)
        return 1
    print(f"Settings written to {args.out}. Use it with: pelvic-screen analyze VIDEO "
          f"--config {_quote(args.out)}", file=sys.stderr)
    return 0


def _cmd_analyze(args, parser) -> int:
    from .batch import collect_inputs
    from .video import VIDEO_EXTENSIONS

    try:
        config = apply_settings(Config(), setting_sources(args))
    except ConfigError as exc:
        print(f"error: {exc.one_line()}", file=sys.stderr)
        return 2
    if args.cluster and args.jobs > 1:
        parser.error("--jobs is for a run on this machine; with --cluster the workers run "
                     f"the files (drop --jobs, or --cluster and {CLUSTER_ENV})")
    recorder = Recorder(args)
    inputs = collect_inputs(args.inputs)
    if not inputs:
        parser.error("no video files found in " + ", ".join(args.inputs)
                     + f" (looked for {' '.join(VIDEO_EXTENSIONS)})")
    if not args.cluster:
        return _analyze(args, inputs, config, runner=None, recorder=recorder)
    from .cluster import DaskRunner

    try:
        with DaskRunner(args.cluster) as runner:
            workers = runner.n_workers()
            print(f"Dask scheduler {runner.scheduler_address}, {workers} worker(s)"
                  + ("" if workers else " (the files wait until workers join)")
                  + (f"; dashboard: {runner.dashboard_link}" if runner.dashboard_link else ""),
                  file=sys.stderr)
            return _analyze(args, inputs, config, runner=runner, recorder=recorder)
    except ClusterError as exc:  # nothing was analysed
        print(f"error: {exc.one_line()}", file=sys.stderr)
        return 2


def _analyze(args, inputs, config, *, runner, recorder: Recorder) -> int:
    from .batch import run_batch
    from .pose.model import resolve_model

    try:
        model = resolve_model(args.model, args.model_sha256)
    except ModelError as exc:
        print(f"error: {exc.one_line()}", file=sys.stderr)
        return 1

    bar = None
    if sys.stderr.isatty() and not args.quiet:
        from tqdm import tqdm
        bar = tqdm(total=len(inputs), unit="video", file=sys.stderr)

    def on_item(outcome) -> None:
        line = describe(outcome) + recorder.after(outcome)
        if bar is not None:
            bar.write(line, file=sys.stderr)
            bar.update(1)
        elif not args.quiet or not outcome.ok:
            print(line, file=sys.stderr)

    try:
        outcomes = run_batch(inputs, Path(args.out), config=config, model=model,
                             jobs=args.jobs, force=args.force, annotate=not args.no_video,
                             on_item=on_item, runner=runner, report_for=recorder.report_for)
    finally:
        if bar is not None:
            bar.close()
    failed = sum(not o.ok for o in outcomes)
    skipped = sum(o.skipped for o in outcomes)
    print(f"{len(outcomes) - failed} of {len(outcomes)} inputs analysed"
          + (f" ({skipped} already done, skipped; --force to redo)" if skipped else "")
          + (f", {failed} failed" if failed else "")
          + f". Summary: {os.path.join(args.out, SUMMARY_CSV)}")
    return 1 if failed or recorder.failed else 0


def _cmd_reanalyse(args) -> int:
    from .batch import ItemOutcome, write_summary
    from .reanalysis import folder_config, reanalyse_folder

    try:
        sources = setting_sources(args)
        apply_settings(Config(), sources)  # a bad file or flag stops here, before any folder
    except ConfigError as exc:
        print(f"error: {exc.one_line()}", file=sys.stderr)
        return 2
    folders = _result_folders(args.folders)
    failed = 0
    for folder in folders:
        try:
            config = apply_settings(folder_config(folder), sources)
            result = reanalyse_folder(folder, config, subject_label=args.person or "",
                                      operator=args.operator, notes=args.notes)
        except ScreeningError as exc:
            failed += 1
            print(f"FAILED {folder}: {exc.one_line()}", file=sys.stderr)
            continue
        outcome = ItemOutcome(folder, folder, result.to_result())
        line = describe(outcome)
        if outcome.ok and args.person is not None:
            note, recorded = _record_again(folder, args)
            line += note
            failed += not recorded
        failed += not outcome.ok
        if not args.quiet or not outcome.ok:
            print(line, file=sys.stderr)
    roots = {f.parent for f in folders} | {Path(p) for p in args.folders}
    for root in sorted(r for r in roots if (r / SUMMARY_CSV).is_file()):
        write_summary(root)
    n = len(folders)
    print(f"{n - failed} of {n} result folders analysed again"
          + (f", {failed} failed" if failed else "") + ".")
    return 1 if failed else 0


def _result_folders(paths: list[str]) -> list[Path]:
    """Result folders as given, and those found below folders of them (a folder without
    any is kept, so that it is reported)."""
    from .batch import result_files

    found: list[Path] = []
    for p in map(Path, paths):
        below = [] if (p / "result.json").is_file() or not p.is_dir() else result_files(p)
        found.extend([f.parent for f in below] or [p])
    unique: dict[str, Path] = {}
    for f in found:
        unique.setdefault(str(f.resolve()), f)
    return list(unique.values())


def _record_again(folder: Path, args) -> tuple[str, bool]:
    """Update the person's record of a re-analysed folder: (text for its line, done)."""
    from .records import record_result

    done = record_result(folder, person=args.person, source="cli", operator=args.operator,
                         notes=args.notes, organisation=args.organisation, reports=False)
    if done.error is not None:
        return (f" [not recorded: {done.error.one_line()}; record it later: pelvic-screen "
                f"import {folder} --person {_quote(args.person)}]"), False
    return f" [recorded for {args.person}" + ("]" if done.created else " (updated)]"), True


def describe(outcome) -> str:
    """One line per input: its result per hold and the legs not measured, or its error
    with the hint."""
    result = outcome.result
    name = outcome.input.name
    if not outcome.ok:
        err = result.error
        return f"FAILED {name}: {err.one_line() if err else 'unknown error'}"
    parts = []
    for hold in result.holds:
        drop = hold.pelvic_drop.median_deg
        drop_txt = "n/a" if drop is None else f"{drop:+.1f} deg"
        parts.append(f"{hold.stance_side} stance {hold.classification} ({drop_txt}"
                     + (", compensated" if hold.compensated else "") + ")")
    parts += [f"{m.stance_side} stance not measured (no hold found)"
              for m in result.missed_holds]
    prefix = "done (skipped) " if outcome.skipped else "ok "
    return f"{prefix}{name}: " + "; ".join(parts)


# ---------------------------------------------------------------------------------------
# records (screening.records): options of analyze, and people / history / forget / import

RECORDS_COMMANDS = ("people", "history", "forget", "import")


def add_record_options(a: argparse.ArgumentParser) -> None:
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
        from .outputs import ReportDetails

        operator, notes = self.args.operator, self.args.notes
        if operator is not None or notes is not None:
            from .records import clean_details  # as they are stored

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
        from .records import RecordsError, open_records, record_result

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
                         f"--person {_quote(person)}")
        elif done.session_id is not None:
            notes.append(f"recorded for {person}" + ("" if done.created else " (updated)"))
        return "".join(f" [{n}]" for n in notes)


def has_report(out_dir: Path) -> bool:
    """Whether a result folder holds the printable report (report.html and report.pdf)."""
    from .report_html import REPORT_HTML, REPORT_PDF

    return (out_dir / REPORT_HTML).is_file() and (out_dir / REPORT_PDF).is_file()


def _quote(text: str) -> str:
    import shlex

    return shlex.quote(text)


def run_records_command(args) -> int:
    from .records import RecordsError, open_records, sessions_csv

    if args.command == "forget" and not args.yes:
        print(f"Refusing to delete {args.person!r} and all their records without --yes. "
              f"Run: pelvic-screen forget --person {_quote(args.person)} --yes",
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


def describe_session(ses: dict) -> str:
    import datetime as dt

    when = dt.datetime.fromisoformat(ses["recorded_at"]).astimezone().strftime("%Y-%m-%d %H:%M")
    parts = []
    for side in ses["sides"]:
        drop = side["pelvic_drop_deg"]["median"]
        parts.append(f"{side['stance_side']} stance {side['classification']} ("
                     + ("n/a" if drop is None else f"{drop:+.1f} deg") + ")")
    asym = ses.get("asymmetry")
    if asym:
        parts.append(f"left-right {asym['difference_deg']:+.1f} deg"
                     + (" (beyond noise)" if asym["exceeds_noise"] else " (within noise)"))
    return f"{when}  {ses['input']} [{ses['source']}]: " + "; ".join(parts)


if __name__ == "__main__":
    sys.exit(main())
