"""Does the pose frame-rate cap (``VideoConfig.max_pose_fps``) change the numbers?

    python -m validation.pose_rate --set DIR [--out FILE]

For every labelled clip of ``DIR`` (render them at 30 fps: the cap then halves the pose
frames), the shipped analysis runs twice on the same video: with the pose model on every
frame and with the default cap. Both are scored against the truth; the JSON gives both
scores per clip and the MAE of each, and the table their difference.
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
    capped = Config()
    every = capped.with_changes(max_pose_fps=0)
    model = resolve_model()
    rows = []
    for truth in clips:
        row = {"name": truth.name, "true_drop_deg": round(truth.true_drop_deg, 3)}
        for label, config in (("every_frame", every), ("capped", capped)):
            with MediaPipePose(model) as backend:
                series, markers = estimate_pose_and_markers(
                    truth.video, backend, max_long_side_px=config.video.max_long_side_px,
                    min_interval_s=config.video.pose_interval_s)
            score = score_clip(truth, series, config, markers=markers)
            row[label] = {"frames": len(series), "fps": round(series.fps, 2),
                          "drop_deg": None if not np.isfinite(score.measured_drop_deg)
                          else round(score.measured_drop_deg, 3),
                          "class": score.pipeline_class}
        rows.append(row)
        a, b = row["every_frame"], row["capped"]
        diff = (None if a["drop_deg"] is None or b["drop_deg"] is None
                else b["drop_deg"] - a["drop_deg"])
        print(f"{truth.name:<8} true {truth.true_drop_deg:+6.2f}  every frame ({a['fps']:.0f} fps) "
              f"{a['drop_deg']}  capped ({b['fps']:.0f} fps) {b['drop_deg']}  "
              f"difference {'-' if diff is None else f'{diff:+.2f}'}")

    def mae(label: str) -> float:
        errors = [abs(r[label]["drop_deg"] - r["true_drop_deg"]) for r in rows
                  if r[label]["drop_deg"] is not None]
        return float(np.mean(errors)) if errors else float("nan")

    summary = {"mae_every_frame_deg": round(mae("every_frame"), 3),
               "mae_capped_deg": round(mae("capped"), 3), "max_pose_fps": capped.max_pose_fps}
    print(json.dumps(summary))
    if args.out:
        args.out.write_text(json.dumps({"set": str(args.set), **summary, "clips": rows},
                                       indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
