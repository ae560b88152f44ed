"""Model reuse benchmark: what a batch worker saves per video by keeping its pose model.

Compares, per video, building a new MediaPipe backend (what each analysis did before a
worker kept its model) with resetting the kept one (:meth:`MediaPipePose.reset`: a new
VIDEO-mode landmarker, the IMAGE-mode people counter kept), each followed by the first
frame. Interleaved pairs, medians; prints JSON.

    python benchmarks/model_reuse.py [--pairs 15]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from screening.pose.mediapipe_backend import MediaPipePose  # noqa: E402
from screening.pose.model import resolve_model  # noqa: E402
from screening.progress import printer  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=15)
    args = parser.parse_args()
    model = resolve_model()
    rgb = np.full((960, 540, 3), 120, np.uint8)
    kept = MediaPipePose(model)
    kept.process(rgb, 0.0)
    new_s, reset_s = [], []
    progress = printer(prefix="model reuse: ")  # on stderr; the JSON goes to stdout
    for k in range(args.pairs):
        progress(k / args.pairs, f"pair {k + 1} of {args.pairs}")
        start = time.perf_counter()
        fresh = MediaPipePose(model)
        fresh.process(rgb, 0.0)
        fresh.close()
        new_s.append(time.perf_counter() - start)
        start = time.perf_counter()
        kept.reset()
        kept.process(rgb, 0.0)
        reset_s.append(time.perf_counter() - start)
    kept.close()
    progress(1.0, "done")
    new, reset = statistics.median(new_s), statistics.median(reset_s)
    print(json.dumps({"pairs": args.pairs, "new_backend_s": round(new, 3),
                      "reset_backend_s": round(reset, 3),
                      "saving_per_video_s": round(new - reset, 3), "cpus": os.cpu_count(),
                      "load_average_1min": round(os.getloadavg()[0], 1)}, indent=2))


if __name__ == "__main__":
    main()
