"""Score an estimator on a labelled set of rendered clips.

    python -m validation.run --set ../shared/synthetic/dev --estimator hip_line \
        --out validation/results/dev_hip_line.json

The pose model runs once per clip; raw landmarks are cached (see
``validation.landmark_cache``) and every later run only re-analyses them.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from screening.config import Config
from screening.estimators import ESTIMATORS

from .landmark_cache import DEFAULT_ROOT, raw_landmarks_and_markers
from .scoring import ClipScore, Summary, breakdown, score_clip, scores_document, summarise
from .truth import labelled_clips


def _f(value: float, digits: int = 2) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:+.{digits}f}"


def summary_row(label: str, s: Summary) -> str:
    return (f"{label:<28} {s.n:>3} {_f(s.bias_deg):>7} {_f(s.slope):>6} {s.mae_deg:>6.2f} "
            f"{s.rmse_deg:>6.2f} {100 * s.class_agreement:>6.0f}% {100 * s.side_accuracy:>5.0f}%"
            f" {s.hold_start_mae_s:>6.2f} {s.hold_end_mae_s:>6.2f}"
            f" {100 * s.inconclusive_fraction:>5.0f}% {s.opposite_class:>4}")


HEADER = (f"{'group':<28} {'n':>3} {'bias':>7} {'slope':>6} {'MAE':>6} {'RMSE':>6} "
          f"{'class':>7} {'side':>6} {'|dt0|':>6} {'|dt1|':>6} {'inc':>6} {'opp':>4}")


def format_report(scores: list[ClipScore], title: str) -> str:
    lines = [title, "", f"{'clip':<6} {'true':>6} {'meas':>6} {'err':>6}  class(true/meas)"
             "  side  trunk"]
    for s in scores:
        lines.append(f"{s.name:<6} {_f(s.true_drop_deg, 1):>6} {_f(s.measured_drop_deg, 1):>6} "
                     f"{_f(s.error_deg, 1):>6}  {s.true_class[:3]}/{s.pipeline_class[:3]:<10}"
                     f"  {'ok' if s.side_correct else 'WRONG':<5} {s.evidence:<10} "
                     f"{s.factors['trunk_mode']:<8} {s.factors.get('motion', '')}"
                     + (f"  [{s.failure}]" if s.failure else ""))
    lines += ["", "degrees; slope = least squares of measured on true; class = agreement of "
              "negative/borderline/positive; |dt0|/|dt1| = hold start/end error (s); inc = "
              "holds the pipeline called inconclusive; opp = decided holds in the opposite "
              "class (true >= 4 read < 2, or true < 2 read >= 4)", HEADER,
              summary_row("ALL", summarise(scores))]
    for factor, levels in breakdown(scores).items():
        lines.append(f"-- {factor}")
        for level, s in levels.items():
            lines.append(summary_row(f"  {level}", s))
    return "\n".join(lines)


def score_set(set_dir: Path, config: Config, estimator=None, *,
              cache_root: Path = DEFAULT_ROOT) -> list[ClipScore]:
    """Score every labelled clip of ``set_dir`` (landmarks from the cache)."""
    scores = []
    for truth in labelled_clips(set_dir):
        series, markers = raw_landmarks_and_markers(truth.video, set_dir.resolve().name,
                                                    root=cache_root,
                                                    steady_pose_fps=config.video.steady_pose_fps)
        scores.append(score_clip(truth, series, config, estimator, markers))
    return scores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m validation.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", required=True, type=Path, help="folder of NAME.mp4 + NAME.json")
    parser.add_argument("--estimator", default=Config().measurement.estimator,
                        choices=sorted(ESTIMATORS))
    parser.add_argument("--out", type=Path, help="write the scores as JSON here")
    parser.add_argument("--cache-root", type=Path, default=DEFAULT_ROOT,
                        help=f"landmark cache root (default {DEFAULT_ROOT})")
    parser.add_argument("--set-name", help="cache sub-folder (default: the set folder's name)")
    parser.add_argument("--recompute", action="store_true", help="ignore cached landmarks")
    parser.add_argument("--steady-pose-fps", type=float,
                        default=Config().video.steady_pose_fps, metavar="FPS",
                        help="video.steady_pose_fps of the pose pass (0: every frame posed; "
                        "default %(default)s); cached apart")
    args = parser.parse_args(argv)

    config = Config().with_changes(estimator=args.estimator,
                                   steady_pose_fps=args.steady_pose_fps)
    clips = labelled_clips(args.set)
    if not clips:
        print(f"No labelled clips (NAME.mp4 + NAME.json) in {args.set}", file=sys.stderr)
        return 2
    set_name = args.set_name or args.set.resolve().name
    scores = []
    for truth in clips:
        series, markers = raw_landmarks_and_markers(
            truth.video, set_name, root=args.cache_root,
            max_long_side_px=config.video.max_long_side_px,
            steady_pose_fps=config.video.steady_pose_fps, recompute=args.recompute)
        scores.append(score_clip(truth, series, config, markers=markers))
    print(format_report(scores, f"{args.estimator} on {args.set} ({len(scores)} clips)"))
    if args.out:
        doc = {"set": str(args.set), "estimator": args.estimator, "config": config.to_dict(),
               **scores_document(scores)}
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(doc, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
