"""Speed benchmark: prints JSON (run by hand; numbers of the last run are in docs/BENCHMARK.md).

Measures, on the same 1080p30 clip:
* ``bare``: decode + pose only, at the shipped pose frame-rate cap (the floor any
  analysis pays);
* ``full``: ``analyze_video`` with every output, the annotated H.264 video included;
* ``full_every_frame``: the same with the pose model on every frame (``max_pose_fps=0``,
  the behaviour before the cap);
* ``cli``: ``pelvic-screen analyze CLIP`` as a user runs it, in a new process (start-up,
  model load and every output included);
and reports frames per second, their ratio, and seconds of analysis per second of video.

    python benchmarks/speed.py [--clip FILE] [--seconds 10]

Without ``--clip`` it makes a 1080x1920 30 fps clip from a sample video (upscaled); a
real recording is better (e.g. ``--clip ../shared/real/vaila_hop/camera_01_cube_test.mp4``,
1080p30 of a person).
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

import av
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from screening import Config, analyze_video  # noqa: E402
from screening.encode import H264Writer  # noqa: E402
from screening.pipeline import estimate_pose, versions  # noqa: E402
from screening.pose.mediapipe_backend import MediaPipePose  # noqa: E402
from screening.pose.model import resolve_model  # noqa: E402
from screening.progress import printer, sub_range  # noqa: E402
from screening.video import probe  # noqa: E402


def make_1080p30(src: Path, dst: Path, seconds: float) -> Path:
    """Upscale ``src`` to 1080x1920 (portrait) at 30 fps, repeating frames as needed."""
    with av.open(str(src)) as c:
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
        rate = float(c.streams.video[0].average_rate or 30)
    with H264Writer(dst, fps=30, crf=20, preset="veryfast", size_px=(1080, 1920)) as writer:
        for i in range(int(seconds * 30)):
            writer.write(frames[min(int(i / 30 * rate), len(frames) - 1)], i / 30)
    return dst


def default_source() -> Path:
    for candidate in sorted((ROOT / "sample_videos").glob("*.mp4")):
        return candidate
    shared = ROOT.parent / "shared" / "synthetic" / "dev" / "D05.mp4"
    if shared.is_file():
        return shared
    raise SystemExit("no source clip: pass --clip FILE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", type=Path, help="video to measure (default: a 1080p30 "
                        "clip made from a sample video)")
    parser.add_argument("--seconds", type=float, default=10.0,
                        help="length of the generated clip (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each; best is kept")
    args = parser.parse_args()
    model = resolve_model()
    config = Config()
    progress = printer(prefix="speed: ")  # on stderr; the JSON goes to stdout
    with tempfile.TemporaryDirectory() as tmp:
        if args.clip is None:
            progress(0.0, "making the 1080p30 clip")
        clip = args.clip or make_1080p30(default_source(), Path(tmp) / "clip_1080p30.mp4",
                                         args.seconds)
        info = probe(clip)
        bare, full, every, cli = [], [], [], []
        for k in range(args.repeat):
            run = sub_range(progress, k / args.repeat, (k + 1) / args.repeat)
            run(0.0, f"run {k + 1} of {args.repeat}: decode and pose")
            t0 = time.perf_counter()
            with MediaPipePose(model) as backend:
                series = estimate_pose(clip, backend,
                                       max_long_side_px=config.video.max_long_side_px,
                                       min_interval_s=config.video.pose_interval_s)
            bare.append(time.perf_counter() - t0)
            run(0.25, f"run {k + 1} of {args.repeat}: analyze_video")
            t0 = time.perf_counter()
            result = analyze_video(clip, config=config, model=model,
                                   out_dir=Path(tmp) / "out")
            full.append(time.perf_counter() - t0)
            run(0.5, f"run {k + 1} of {args.repeat}: analyze_video, pose on every frame")
            t0 = time.perf_counter()
            analyze_video(clip, config=config.with_changes(max_pose_fps=0), model=model,
                          out_dir=Path(tmp) / "every")
            every.append(time.perf_counter() - t0)
            run(0.75, f"run {k + 1} of {args.repeat}: pelvic-screen analyze")
            t0 = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "screening", "analyze", str(clip),
                                   "--out", str(Path(tmp) / "cli"), "--force", "--quiet"],
                                  cwd=ROOT, capture_output=True, text=True)
            cli.append(time.perf_counter() - t0)
        progress(1.0, "done")
        if done.returncode not in (0, 1):   # 1: the clip could be analysed but not measured
            raise SystemExit(f"pelvic-screen analyze failed: {done.stderr}")
        n = len(series)
        doc = {
            "clip": {"width_px": info.width_px, "height_px": info.height_px,
                     "fps": round(series.fps, 2), "frames": n,
                     "duration_s": round(info.duration_s, 2)},
            "bare_decode_pose": {"seconds": round(min(bare), 3), "fps": round(n / min(bare), 1)},
            "full_analyze": {"seconds": round(min(full), 3), "fps": round(n / min(full), 1)},
            "full_every_frame": {"seconds": round(min(every), 3)},
            "cli_end_to_end": {"seconds": round(min(cli), 3)},
            "full_over_bare": round(min(full) / min(bare), 3),
            "analysis_s_per_video_s": round(min(full) / info.duration_s, 3),
            "every_frame_s_per_video_s": round(min(every) / info.duration_s, 3),
            "cli_s_per_video_s": round(min(cli) / info.duration_s, 3),
            "result_status": result.status,
            "goals": {"full_over_bare_max": 1.25, "cli_s_per_video_s_max": 0.5},
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                        "mediapipe": versions().get("mediapipe"),
                        "load_avg_1min": round(os.getloadavg()[0], 2)},
        }
    print(json.dumps(doc, indent=2))


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
