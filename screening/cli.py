"""Command line: ``pelvic-screen analyze ...`` and ``pelvic-screen model``.

Exit codes: 0 every input succeeded, 1 any input failed, 2 usage error or a cluster that
cannot be used (nothing analysed), 130 interrupted.

Start-up is kept short: numpy, scipy, av, mediapipe and dask are imported only by the
command that needs them, not for ``--help``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .config import Config
from .errors import ClusterError, ModelError

DEFAULTS = Config()
SUMMARY_CSV = "summary.csv"  # screening.batch.SUMMARY_CSV (a test checks they agree)
# The names in screening.estimators.ESTIMATORS, for --help without importing numpy and
# scipy; --estimator is checked against the registry itself, and a test keeps them equal.
ESTIMATOR_NAMES = ("corrected", "hip_line", "leg")
CLUSTER_ENV = "PELVIC_SCREEN_CLUSTER"  # screening.cluster.CLUSTER_ENV


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pelvic-screen",
        description="Measure pelvic drop in single-leg-stance videos (Trendelenburg test).")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    a = sub.add_parser(
        "analyze", help="analyse one or more videos (files or folders)",
        description="Analyse single-leg-stance videos. For each input, writes "
        "DIR/<name>/result.json, timeseries.csv, landmarks.npz and annotated.mp4, and "
        f"DIR/{SUMMARY_CSV} with one row per detected hold of every result in DIR. Exit code: "
        "0 all succeeded, 1 any input failed, 2 usage error or a cluster that cannot be used, "
        "130 interrupted.")
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
    a.add_argument("--mirrored", action="store_true",
                   help="the videos are mirrored (selfie view): swap left and right")
    a.add_argument("--force", action="store_true",
                   help="analyse again inputs that already have a result in DIR")
    a.add_argument("--no-video", action="store_true", help="skip the annotated video")
    a.add_argument("--estimator", default=DEFAULTS.estimator, metavar="NAME",
                   help="pelvic-drop estimator: " + ", ".join(ESTIMATOR_NAMES)
                   + " (default: %(default)s)")
    a.add_argument("--positive-from", type=float, default=DEFAULTS.positive_from_deg,
                   metavar="DEG", help="drop (deg) from which a hold is positive "
                   "(default: %(default)s)")
    a.add_argument("--negative-below", type=float, default=DEFAULTS.negative_below_deg,
                   metavar="DEG", help="drop (deg) below which a hold is negative; between "
                   "the two it is borderline (default: %(default)s)")
    a.add_argument("--max-duration", type=float, default=DEFAULTS.max_duration_s,
                   metavar="S", help="longest video accepted, seconds (default: %(default)s)")
    a.add_argument("--model", metavar="PATH", default=None,
                   help="a MediaPipe pose landmarker .task file to use instead of the "
                   "built-in model (also PELVIC_SCREEN_MODEL)")
    a.add_argument("--model-sha256", metavar="HEX", default=None,
                   help="expected sha256 of --model (also PELVIC_SCREEN_MODEL_SHA256)")
    a.add_argument("--quiet", action="store_true", help="print only failures and the summary")

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
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "model":
            return _cmd_model(args)
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


def _cmd_analyze(args, parser) -> int:
    from .batch import collect_inputs
    from .estimators import ESTIMATORS
    from .video import VIDEO_EXTENSIONS

    if args.negative_below > args.positive_from:
        parser.error("--negative-below must not be greater than --positive-from")
    if args.estimator not in ESTIMATORS:
        parser.error(f"argument --estimator: invalid choice: {args.estimator!r} "
                     f"(choose from {', '.join(sorted(ESTIMATORS))})")
    if args.cluster and args.jobs > 1:
        parser.error("--jobs is for a run on this machine; with --cluster the workers run "
                     f"the files (drop --jobs, or --cluster and {CLUSTER_ENV})")
    inputs = collect_inputs(args.inputs)
    if not inputs:
        parser.error("no video files found in " + ", ".join(args.inputs)
                     + f" (looked for {' '.join(VIDEO_EXTENSIONS)})")
    config = Config(mirrored=args.mirrored, estimator=args.estimator,
                    positive_from_deg=args.positive_from,
                    negative_below_deg=args.negative_below, max_duration_s=args.max_duration)
    if not args.cluster:
        return _analyze(args, inputs, config, runner=None)
    from .cluster import DaskRunner

    try:
        with DaskRunner(args.cluster) as runner:
            workers = runner.n_workers()
            print(f"Dask scheduler {runner.scheduler_address}, {workers} worker(s)"
                  + ("" if workers else " (the files wait until workers join)")
                  + (f"; dashboard: {runner.dashboard_link}" if runner.dashboard_link else ""),
                  file=sys.stderr)
            return _analyze(args, inputs, config, runner=runner)
    except ClusterError as exc:  # nothing was analysed
        print(f"error: {exc.one_line()}", file=sys.stderr)
        return 2


def _analyze(args, inputs, config, *, runner) -> int:
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
        line = describe(outcome)
        if bar is not None:
            bar.write(line, file=sys.stderr)
            bar.update(1)
        elif not args.quiet or not outcome.ok:
            print(line, file=sys.stderr)

    try:
        outcomes = run_batch(inputs, Path(args.out), config=config, model=model,
                             jobs=args.jobs, force=args.force, annotate=not args.no_video,
                             on_item=on_item, runner=runner)
    finally:
        if bar is not None:
            bar.close()
    failed = sum(not o.ok for o in outcomes)
    skipped = sum(o.skipped for o in outcomes)
    print(f"{len(outcomes) - failed} of {len(outcomes)} inputs analysed"
          + (f" ({skipped} already done, skipped; --force to redo)" if skipped else "")
          + (f", {failed} failed" if failed else "")
          + f". Summary: {os.path.join(args.out, SUMMARY_CSV)}")
    return 1 if failed else 0


def describe(outcome) -> str:
    """One line per input: its result per hold, or its error with the hint."""
    doc = outcome.document
    name = outcome.input.name
    if not outcome.ok:
        err = doc.get("error") or {}
        hint = f" Hint: {err['hint']}" if err.get("hint") else ""
        return f"FAILED {name}: {err.get('message', 'unknown error')}{hint}"
    parts = []
    for t in doc.get("tests", []):
        drop = t["pelvic_drop_deg"]["median"]
        drop_txt = "n/a" if drop is None else f"{drop:+.1f} deg"
        parts.append(f"{t['stance_side']} stance {t['classification']} ({drop_txt}"
                     + (", compensated" if t["compensated"] else "") + ")")
    prefix = "done (skipped) " if outcome.skipped else "ok "
    return f"{prefix}{name}: " + "; ".join(parts)


if __name__ == "__main__":
    sys.exit(main())
