"""Where the time of one analysis goes: prints JSON (run by hand; the last run is in
docs/BENCHMARK.md).

Runs the stages of ``pelvic-screen analyze`` one after the other in a fresh process (the
shipped analysis overlaps several of them; here each is measured alone) and reports the
wall time and the CPU time (user + sys, all threads) of each:

* imports: the command line, numpy/av/cv2, mediapipe (which brings matplotlib), the
  rest of the package;
* the pose model's load; probe and sha256 of the input;
* decode (every frame), decode + colour conversion and resizing of the frames under the
  pose frame-rate cap, pose (at the shipped rates), marker detection, the frame store;
* the analysis; the outputs: result.json/timeseries.csv/landmarks.npz, the annotated
  video, report.html and report.pdf.

    python benchmarks/stages.py CLIP [--steady-pose-fps FPS]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


class Clock:
    """Wall and CPU (this process, every thread) time of consecutive stages."""

    def __init__(self) -> None:
        self.stages: dict[str, dict[str, float]] = {}
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    def lap(self, name: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.stages[name] = {"wall_s": round(wall - self._wall, 3),
                             "cpu_s": round(cpu - self._cpu, 3)}
        self._wall, self._cpu = time.perf_counter(), time.process_time()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clip", type=Path)
    parser.add_argument("--steady-pose-fps", type=float, default=None,
                        help="Config.steady_pose_fps (default: the shipped value)")
    args = parser.parse_args()
    clock = Clock()
    import screening.cli  # noqa: F401

    clock.lap("import_cli")
    import av
    import cv2  # noqa: F401
    import numpy as np

    clock.lap("import_numpy_av_cv2")
    from screening.pose.mediapipe_backend import MediaPipePose

    clock.lap("import_mediapipe")
    from screening.analysis import analyse_landmarks
    from screening.annotate import drawn_frames_at, write_annotated_video
    from screening.config import Config
    from screening.errors import ScreeningError
    from screening.framestore import FrameStore
    from screening.markers import MarkerSeries
    from screening.markers.detect import MarkerTracker
    from screening.outputs import ReportDetails, write_outputs
    from screening.pipeline import AnalysisResult, _sha256
    from screening.pose.model import resolve_model
    from screening.pose.rate import PoseRate, fill_skipped
    from screening.video import iter_frames_with_luma, probe

    clock.lap("import_rest")
    config = Config() if args.steady_pose_fps is None else \
        Config().with_changes(steady_pose_fps=args.steady_pose_fps)
    video, outputs = config.video, config.outputs
    model = resolve_model()
    backend = MediaPipePose(model)
    clock.lap("model_load")
    info = probe(args.clip)
    _sha256(args.clip)
    clock.lap("probe_sha256")
    with av.open(str(args.clip)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        decoded = sum(1 for _ in container.decode(stream))
    clock.lap("decode")
    frames = list(iter_frames_with_luma(args.clip, max_long_side_px=video.max_long_side_px,
                                        min_interval_s=video.pose_interval_s))
    clock.lap("decode_convert_resize")
    clock.stages["convert_resize"] = {
        k: round(clock.stages["decode_convert_resize"][k] - clock.stages["decode"][k], 3)
        for k in ("wall_s", "cpu_s")}
    rate = PoseRate(video.steady_pose_interval_s)
    posed, found = [], []
    for i, (t_s, rgb, _) in enumerate(frames):
        if rate.wants(t_s) or i == len(frames) - 1:
            pose = backend.process(rgb, t_s)
            rate.seen(pose)
            posed.append(pose)
        found.append(posed[-1] if posed[-1].t_s == t_s else None)
    clock.lap("pose")
    luma = np.array([p.luma_mean if p is not None else float(rgb.mean())
                     for p, (_, rgb, _) in zip(found, frames, strict=True)])
    height, width = frames[0][1].shape[:2]
    series = fill_skipped(posed, np.array([f[0] for f in frames]), luma, width_px=width,
                          height_px=height)
    clock.lap("fill_skipped")
    gray = frames[0][2]
    tracker = MarkerTracker(pose_size_px=(width, height),
                            full_size_px=(gray.shape[1], gray.shape[0]),
                            mirrored=video.mirrored)
    marker_frames = [tracker.process(g, p.xy_px if p is not None and p.n_people else None)
                     for p, (_, _, g) in zip(found, frames, strict=True)]
    markers = MarkerSeries.from_frames(series.t_s, marker_frames, width_px=width,
                                       height_px=height)
    clock.lap("markers")
    store = FrameStore(outputs.annotated_long_side_px, min_interval_s=outputs.annotated_interval_s)
    for t_s, rgb, _ in frames:
        store.add(t_s, rgb)
    list(store.frames())
    clock.lap("frame_store")
    try:
        analysis = analyse_landmarks(series, config, markers=markers)
        status = "ok"
    except ScreeningError as exc:  # e.g. no hold: the command writes result.json only
        analysis, status = None, exc.code
    clock.lap("analysis")
    result = AnalysisResult(input=str(args.clip), status=status, config=config, model=model,
                            video=info, analysis=analysis, landmarks=series, markers=markers)
    with tempfile.TemporaryDirectory() as tmp:
        write_outputs(result, Path(tmp) / "files", annotate=False)
        clock.lap("result_csv_npz")
        if analysis is not None:
            write_annotated_video(args.clip, Path(tmp) / "annotated.mp4", analysis,
                                  outputs=outputs, thresholds=config.decision, frames=store)
            clock.lap("annotated_video")
            from dataclasses import replace

            from screening import report_html
            from screening.results import ResultBundle

            bundle = replace(ResultBundle.from_dir(Path(tmp) / "files"),
                             frames_at=lambda times_s: drawn_frames_at(
                                 times_s, analysis, outputs=outputs,
                                 thresholds=config.decision, frames=store))
            report_html.write_reports(Path(tmp) / "files", bundle=bundle,
                                      **vars(ReportDetails()))
            clock.lap("report_html_pdf")
    store.close()
    backend.close()
    total = {k: round(sum(s[k] for n, s in clock.stages.items()
                          if n not in ("decode_convert_resize",)), 3)
             for k in ("wall_s", "cpu_s")}
    print(json.dumps({"clip": {"path": str(args.clip), "width_px": info.width_px,
                               "height_px": info.height_px, "duration_s": round(info.duration_s, 2),
                               "frames": decoded, "under_cap": len(frames),
                               "posed": len(posed)},
                      "steady_pose_fps": video.steady_pose_fps, "stages": clock.stages,
                      "total": total, "status": status,
                      "load_avg_1min": round(os.getloadavg()[0], 2)}, indent=1))


if __name__ == "__main__":
    main()
