"""The printed pelvis markers (screening.markers): ``pelvic-screen markers`` writes the
sheet to print, ``pelvic-screen agreement`` compares markerless with marker drops over
result folders."""

from __future__ import annotations

import argparse
import csv
import json
import sys


def add_markers_command(sub) -> None:
    k = sub.add_parser("markers", help="write the printable pelvis marker sheet (PDF)",
                       description="Write the sheet with the two pelvis markers (5.0 cm ArUco "
                       "DICT_4X4_50, id 0 for the right side of the body, id 1 for the left), "
                       "a 10 cm ruler to check the print scale, and where the markers go. "
                       "Print it at 100 % (actual size). See docs/MARKERS.md.")
    k.add_argument("--pdf", required=True, metavar="FILE", help="the PDF file to write")
    k.add_argument("--paper", choices=("a4", "letter"), default="a4", type=str.lower,
                   help="paper size (default: %(default)s)")
    k.set_defaults(run=run_markers)


def add_agreement_command(sub) -> None:
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
    g.set_defaults(run=run_agreement)


def run_markers(args, parser=None) -> int:
    from ..markers.sheet import write_marker_sheet

    try:
        path = write_marker_sheet(args.pdf, paper=args.paper)
    except OSError as exc:
        print(f"error: the marker sheet could not be written to {args.pdf} ({exc}). "
              "Check that the folder exists and is writable.", file=sys.stderr)
        return 1
    print(f"Marker sheet written to {path} ({args.paper.upper()}). Print it at 100 % "
          "(actual size) and check that the ruler measures 10.0 cm.")
    return 0


def run_agreement(args, parser: argparse.ArgumentParser) -> int:
    """``agreement``; ``parser`` (the whole command line's) reports usage errors."""
    from ..markers.agreement import collect_agreement

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
        print(agreement_text(summary))
    if summary.overall.n == 0:
        print(f"No hold measured with markers in {summary.n_results} result(s): nothing to "
              "compare. Record with the printed markers (pelvic-screen markers --pdf).",
              file=sys.stderr)
        return 1
    return 0


def agreement_text(summary) -> str:
    """The agreement summary as a table for the screen."""
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
