"""Do the pose frame-rate cap (``VideoConfig.max_pose_fps``) and the steady pose rate
(``VideoConfig.steady_pose_fps``) change the numbers?

    python -m validation.pose_rate --set DIR [--out FILE]

For every labelled clip of ``DIR`` (render them at 30 fps: the cap then halves the pose
frames), the shipped analysis runs three times on the same video: with the pose model on
every frame, with the cap alone, and as shipped (the cap, and the steady rate where
nothing moves). All are scored against the truth; the JSON gives the scores per clip, the
frames posed and the MAE of each, and the table their differences.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from screening.config import Config
from screening.pipeline import estimate_pose_and_markers
from screening.pose.mediapipe_backend import MediaPipePose
from screening.pose.model import resolve_model

from .scoring import score_clip
from .truth import labelled_clips


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m validation.pose_rate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", required=True, type=Path, help="folder of NAME.mp4 + NAME.json")
    parser.add_argument("--out", type=Path, help="write the scores as JSON here")
    args = parser.parse_args(argv)
    clips = labelled_clips(args.set)
    if not clips:
        print(f"No labelled clips (NAME.mp4 + NAME.json) in {args.set}", file=sys.stderr)
        return 2
    shipped = Config()
    variants = {"every_frame": shipped.with_changes(max_pose_fps=0, steady_pose_fps=0),
                "capped": shipped.with_changes(steady_pose_fps=0), "shipped": shipped}
    model = resolve_model()
    rows = []
    for truth in clips:
        row = {"name": truth.name, "true_drop_deg": round(truth.true_drop_deg, 3)}
        for label, config in variants.items():
            with MediaPipePose(model) as backend:
                series, markers = estimate_pose_and_markers(
                    truth.video, backend, max_long_side_px=config.video.max_long_side_px,
                    min_interval_s=config.video.pose_interval_s,
                    steady_interval_s=config.video.steady_pose_interval_s)
            score = score_clip(truth, series, config, markers=markers)
            row[label] = {"frames": len(series),
                          "posed": int((~series.filled.any(axis=1)).sum()),
                          "fps": round(series.fps, 2),
                          "drop_deg": None if not np.isfinite(score.measured_drop_deg)
                          else round(score.measured_drop_deg, 3),
                          "class": score.pipeline_class}
        rows.append(row)

        def diff(label: str, row: dict = row) -> str:
            a, b = row["every_frame"]["drop_deg"], row[label]["drop_deg"]
            return "-" if a is None or b is None else f"{b - a:+.2f}"

        print(f"{truth.name:<8} true {truth.true_drop_deg:+6.2f}  "
              + "  ".join(f"{label} ({row[label]['posed']} posed) {row[label]['drop_deg']}"
                          for label in variants)
              + f"  difference capped {diff('capped')}, shipped {diff('shipped')}")

    def mae(label: str) -> float:
        errors = [abs(r[label]["drop_deg"] - r["true_drop_deg"]) for r in rows
                  if r[label]["drop_deg"] is not None]
        return float(np.mean(errors)) if errors else float("nan")

    summary = {**{f"mae_{label}_deg": round(mae(label), 3) for label in variants},
               "max_pose_fps": shipped.max_pose_fps,
               "steady_pose_fps": shipped.video.steady_pose_fps}
    print(json.dumps(summary))
    if args.out:
        args.out.write_text(json.dumps({"set": str(args.set), **summary, "clips": rows},
                                       indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
