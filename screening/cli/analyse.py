"""``pelvic-screen analyze`` (also spelled ``analyse``): videos and folders of them,
analysed here (``--jobs N``) or on a Dask cluster (``--cluster``), with one line per input
and ``summary.csv`` over the output folder; and ``reanalyse``: result folders analysed
again from their saved landmarks."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..config import ANALYSIS_SECTIONS, Config
from ..errors import ClusterError, ConfigError, ModelError, ScreeningError
from .records import Recorder, add_record_options, record_again
from .settings import add_settings, apply_settings, setting_sources

SUMMARY_CSV = "summary.csv"  # screening.batch.SUMMARY_CSV (a test checks they agree)
CLUSTER_ENV = "PELVIC_SCREEN_CLUSTER"  # screening.cluster.CLUSTER_ENV


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def add_analyze_command(sub) -> None:
    a = sub.add_parser(
        "analyze", aliases=["analyse"], help="analyse one or more videos (files or folders)",
        description="Analyse single-leg-stance videos. For each input, writes "
        "DIR/<name>/result.json, timeseries.csv, landmarks.npz and annotated.mp4, and "
        f"DIR/{SUMMARY_CSV} with one row per detected hold, and per leg never measured, of "
        "every result in DIR. The "
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
    a.set_defaults(run=run_analyze)


def run_analyze(args, parser: argparse.ArgumentParser) -> int:
    """``analyze``; ``parser`` (the whole command line's) reports usage errors."""
    from ..batch import collect_inputs
    from ..video import VIDEO_EXTENSIONS

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
    from ..cluster import DaskRunner

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
    from ..batch import run_batch
    from ..pose.model import resolve_model

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
        if drop is not None:
            drop_txt = f"{drop:+.1f} deg"
        elif hold.problems:  # why it could not be measured: the first problem
            drop_txt = "not measured: " + hold.problems[0].message.rstrip(".")
        else:
            drop_txt = "not measured"
        parts.append(f"{hold.stance_side} stance {hold.classification} ({drop_txt}"
                     + (", compensated" if hold.compensated else "") + ")")
    parts += [f"{m.stance_side} stance not measured (no hold found)"
              for m in result.missed_holds]
    prefix = "done (skipped) " if outcome.skipped else "ok "
    return f"{prefix}{name}: " + "; ".join(parts)


# ---------------------------------------------------------------------------------------
# reanalyse: result folders again from their saved landmarks


def add_reanalyse_command(sub) -> None:
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
    r.set_defaults(run=run_reanalyse)


def run_reanalyse(args, parser: argparse.ArgumentParser | None = None) -> int:
    from ..batch import ItemOutcome, write_summary
    from ..reanalysis import folder_config, reanalyse_folder

    try:
        sources = setting_sources(args)
        apply_settings(Config(), sources)  # a bad file or flag stops here, before any folder
    except ConfigError as exc:
        print(f"error: {exc.one_line()}", file=sys.stderr)
        return 2
    folders = result_folders(args.folders)
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
            note, recorded = record_again(folder, args)
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


def result_folders(paths: list[str]) -> list[Path]:
    """Result folders as given, and those found below folders of them (a folder without
    any is kept, so that it is reported)."""
    from ..batch import result_files

    found: list[Path] = []
    for p in map(Path, paths):
        below = [] if (p / "result.json").is_file() or not p.is_dir() else result_files(p)
        found.extend([f.parent for f in below] or [p])
    unique: dict[str, Path] = {}
    for f in found:
        unique.setdefault(str(f.resolve()), f)
    return list(unique.values())
