"""Batch throughput: prints JSON (run by hand; the last run is in docs/BENCHMARK.md).

Runs ``pelvic-screen analyze`` as a user would, in a new process, on the same folder of
clips (default: sample_videos/, every output written) in three ways:

* ``jobs1``: the local process pool with one job;
* ``jobs2``: the local process pool with two jobs;
* ``cluster2``: a two-worker Dask LocalCluster (``--cluster local:2``; needs the
  ``cluster`` extra).

and reports the wall time, clips per minute and seconds of analysis per second of video.

    python benchmarks/throughput.py [--clips DIR] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from screening.batch import collect_inputs  # noqa: E402
from screening.progress import printer  # noqa: E402
from screening.video import probe  # noqa: E402

MODES = {"jobs1": ["--jobs", "1"], "jobs2": ["--jobs", "2"],
         "cluster2": ["--cluster", "local:2"]}


def run(clips: Path, out: Path, extra: list[str]) -> tuple[float, int]:
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "screening", "analyze", str(clips),
                           "--out", str(out), "--force", "--quiet", *extra],
                          cwd=ROOT, capture_output=True, text=True)
    return time.perf_counter() - t0, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=Path, default=ROOT / "sample_videos",
                        help="folder of clips (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; best is kept")
    args = parser.parse_args()
    inputs = collect_inputs([args.clips])
    video_s = sum(probe(p).duration_s for p in inputs)
    doc = {"clips": len(inputs), "video_seconds": round(video_s, 1), "modes": {}}
    progress = printer(prefix="throughput: ")  # on stderr; the JSON goes to stdout
    runs = len(MODES) * args.repeat
    with tempfile.TemporaryDirectory() as tmp:
        for m, (name, extra) in enumerate(MODES.items()):
            times, codes = [], set()
            for k in range(args.repeat):
                done = m * args.repeat + k
                progress(done / runs, f"{name}, run {k + 1} of {args.repeat}")
                seconds, code = run(args.clips, Path(tmp) / f"{name}{k}", extra)
                times.append(seconds)
                codes.add(code)
            best = min(times)
            doc["modes"][name] = {"seconds": round(best, 2),
                                  "clips_per_minute": round(60 * len(inputs) / best, 1),
                                  "analysis_s_per_video_s": round(best / video_s, 3),
                                  "exit_codes": sorted(codes)}
        progress(1.0, "done")
    doc["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(),
                      "load_avg_1min": round(os.getloadavg()[0], 2)}
    print(json.dumps(doc, indent=2))


if __name__ == "__main__":
    main()
