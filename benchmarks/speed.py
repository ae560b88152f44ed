"""Speed benchmark: prints JSON (run by hand; numbers of the last run are in docs/BENCHMARK.md).

Measures, on each clip (1080p30):
* ``cli``: ``pelvic-screen analyze CLIP`` as a user runs it, in a new process: start-up,
  imports, the model load and every output (result.json, timeseries.csv, landmarks.npz,
  annotated.mp4, report.html, report.pdf) included;
* ``bare``: decode + pose only, at the shipped pose rates (the floor any analysis pays);
* ``full``: ``analyse_video`` in this process with every output, the report included;
* ``full_no_steady``: the same with every frame under the cap posed
  (``steady_pose_fps=0``, the behaviour before the steady pose rate);
* ``full_every_frame`` (with ``--every-frame``): the pose model on every frame
  (``max_pose_fps=0``, the behaviour before the frame-rate cap);
and reports for each the wall time and the CPU time (user + sys of every thread, or of
the child process), the best of ``--repeat`` runs of each (other work on a shared
machine makes wall times noisy; the CPU time much less so), seconds per second of video
and the load average.

    python benchmarks/speed.py [--clip FILE ...] [--seconds 10] [--repeat 3]
    python benchmarks/speed.py --cli-only --code OTHER_CHECKOUT --clip FILE   # e.g. before

Without ``--clip`` it makes a 1080x1920 30 fps clip from a sample video (upscaled); a
real recording is better (e.g. ``--clip ../shared/real/vaila_hop/camera_01_cube_test.mp4``,
1080p30 of a person). ``--code DIR`` runs the command of another checkout (its own
``screening`` package) for the ``cli`` measurement.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from screening import Config, analyse_video  # noqa: E402
from screening.encode import H264Writer  # noqa: E402
from screening.outputs import ReportDetails  # noqa: E402
from screening.pipeline import estimate_pose, versions  # noqa: E402
from screening.pose.mediapipe_backend import MediaPipePose  # noqa: E402
from screening.pose.model import resolve_model  # noqa: E402
from screening.progress import Progress, printer  # noqa: E402
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


def timed(run) -> dict:
    """Wall and CPU time (this process, every thread) of ``run()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return {"wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu,
            "load_avg_1min": os.getloadavg()[0]}


def cli_run(clip: Path, out: Path, code: Path) -> dict:
    """``pelvic-screen analyze CLIP`` in a new process (the checkout ``code``): wall time,
    CPU time of the child (user + sys), exit code."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "screening", "analyze", str(clip),
                           "--out", str(out), "--force", "--quiet"],
                          cwd=code, env={**os.environ, "PYTHONPATH": str(code)},
                          capture_output=True, text=True)
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):   # 1: the clip could be analysed but not measured
        raise SystemExit(f"pelvic-screen analyze failed: {done.stderr}")
    files = sorted(p.name for p in out.glob("*/*"))
    return {"wall_s": wall, "cpu_s": (after.ru_utime - before.ru_utime)
            + (after.ru_stime - before.ru_stime), "exit_code": done.returncode,
            "outputs": files, "load_avg_1min": os.getloadavg()[0]}


def best(runs: list[dict], duration_s: float) -> dict:
    """The fastest of ``runs`` (wall time), with the least CPU time of them all."""
    fastest = min(runs, key=lambda r: r["wall_s"])
    cpu = min(r["cpu_s"] for r in runs)
    return {**{k: v for k, v in fastest.items() if k not in ("wall_s", "cpu_s")},
            "wall_s": round(fastest["wall_s"], 3), "cpu_s": round(cpu, 3),
            "wall_s_per_video_s": round(fastest["wall_s"] / duration_s, 3),
            "cpu_s_per_video_s": round(cpu / duration_s, 3),
            "load_avg_1min": round(fastest["load_avg_1min"], 2), "runs": len(runs)}


def measure(clip: Path, tmp: Path, args, progress: Progress) -> dict:
    info = probe(clip)
    config = Config()
    model = resolve_model()
    runs: dict[str, list[dict]] = {"cli": []}
    if not args.cli_only:
        runs.update(bare=[], full=[], full_no_steady=[])
        if args.every_frame:
            runs["full_every_frame"] = []
    series = None
    for k in range(args.repeat):
        progress(k / args.repeat, f"{clip.name}: run {k + 1} of {args.repeat}")
        runs["cli"].append(cli_run(clip, tmp / f"cli{k}", args.code))
        if args.cli_only:
            continue

        def bare() -> None:
            nonlocal series
            with MediaPipePose(model) as backend:
                series = estimate_pose(
                    clip, backend, max_long_side_px=config.video.max_long_side_px,
                    min_interval_s=config.video.pose_interval_s,
                    steady_interval_s=config.video.steady_pose_interval_s)

        runs["bare"].append(timed(bare))
        for name, cfg in (("full", config),
                          ("full_no_steady", config.with_changes(steady_pose_fps=0)),
                          ("full_every_frame", config.with_changes(max_pose_fps=0,
                                                                   steady_pose_fps=0))):
            if name in runs:
                runs[name].append(timed(lambda cfg=cfg, name=name, k=k: analyse_video(
                    clip, config=cfg, model=model, out_dir=tmp / f"{name}{k}",
                    report=ReportDetails())))
    doc = {"clip": {"path": str(clip), "width_px": info.width_px, "height_px": info.height_px,
                    "fps_nominal": round(info.fps_nominal, 2),
                    "duration_s": round(info.duration_s, 2)}}
    if series is not None:
        doc["clip"].update(frames_under_cap=len(series),
                           frames_posed=int((~series.filled.any(axis=1)).sum()))
    doc.update({name: best(r, info.duration_s) for name, r in runs.items()})
    if "full" in doc:
        doc["full_over_bare"] = round(doc["full"]["wall_s"] / doc["bare"]["wall_s"], 3)
    return doc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", type=Path, action="append", default=[],
                        help="video to measure (repeat for more; default: a 1080p30 clip "
                        "made from a sample video)")
    parser.add_argument("--seconds", type=float, default=10.0,
                        help="length of the generated clip (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; best is kept")
    parser.add_argument("--cli-only", action="store_true",
                        help="only the command line, end to end")
    parser.add_argument("--every-frame", action="store_true",
                        help="also the analysis with the pose model on every frame")
    parser.add_argument("--code", type=Path, default=ROOT,
                        help="checkout whose command is measured (default: this one)")
    args = parser.parse_args()
    progress = printer(prefix="speed: ")  # on stderr; the JSON goes to stdout
    with tempfile.TemporaryDirectory() as tmp:
        if not args.clip:
            progress(0.0, "making the 1080p30 clip")
        clips = args.clip or [make_1080p30(default_source(), Path(tmp) / "clip_1080p30.mp4",
                                           args.seconds)]
        results = []
        for i, clip in enumerate(clips):
            (Path(tmp) / str(i)).mkdir()
            results.append(measure(clip, Path(tmp) / str(i), args, progress))
        progress(1.0, "done")
    print(json.dumps({
        "results": results,
        "goals": {"cli_wall_s_per_video_s_max": 0.5, "full_over_bare_max": 1.25},
        "code": str(args.code),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "mediapipe": versions().get("mediapipe")},
    }, indent=2))


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
