"""The whole pipeline without a model: a generated clip and a replayed landmark series."""

import csv
import json

import av
import numpy as np
import pytest
from fakes import ReplayBackend, plain_frames, single_leg_series, write_video

from screening import Config, analyse_video
from screening.encode import H264Writer
from screening.results import SCHEMA_VERSION

TEST_KEYS = {"stance_side", "lifted_side", "hold_start_s", "hold_end_s", "hold_duration_s",
             "pelvic_drop_deg", "time_to_drop_s", "trunk_lean_deg", "classification",
             "compensated", "reasons"}


@pytest.fixture
def replayed(tmp_path):
    series, frames = single_leg_series(lifted_side="right", drop_deg=6.0, fps=30, duration_s=8)
    clip = write_video(tmp_path / "subject one.mp4", plain_frames(len(frames)), fps=30)
    return clip, frames


def test_pipeline_writes_every_output_atomically(tmp_path, replayed):
    clip, frames = replayed
    backend = ReplayBackend(frames)
    seen = []
    # the hand-made landmarks have an exact rigid pelvis: checked with the plain hip line
    result = analyse_video(clip, out_dir=tmp_path / "out" / "subject one", backend=backend,
                           progress=lambda f, m: seen.append(f),
                           config=Config().with_changes(estimator="hip_line"))
    assert result.ok, result.error
    # a 30 fps video: the pose model sees at most 15 frames a second, every other frame,
    # and fewer where nothing moves; the landmark series has every other frame
    assert Config().video.max_pose_fps == 15.0
    assert backend.calls < len(frames[::2]) == len(result.landmarks)
    assert seen[-1] == 1.0 and all(0 <= f <= 1 for f in seen)
    out = tmp_path / "out" / "subject one"
    assert sorted(p.name for p in out.iterdir()) == ["annotated.mp4", "landmarks.npz",
                                                      "result.json", "timeseries.csv"]
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]
    doc = json.loads((out / "result.json").read_text())
    assert doc["schema_version"] == SCHEMA_VERSION
    assert doc["status"] == "ok" and doc["error"] is None
    assert doc["config"]["decision"]["positive_from_deg"] == Config().decision.positive_from_deg
    assert {"path", "sha256", "source"} <= set(doc["model"] or {"path", "sha256", "source"})
    [test] = doc["holds"]
    assert TEST_KEYS <= set(test)
    assert test["stance_side"] == "left" and test["lifted_side"] == "right"
    assert test["pelvic_drop_deg"]["median"] == pytest.approx(6.0, abs=0.3)
    assert test["classification"] == "positive"
    with (out / "timeseries.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(frames[::2])
    assert {r["phase"] for r in rows} >= {"double", "lift", "hold", "lower"}
    with av.open(str(out / "annotated.mp4")) as c:
        stream = c.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        # a 30 fps video: the annotated one is capped at 15 fps, every other frame
        assert Config().outputs.annotated_max_fps == 15.0
        assert sum(1 for _ in c.decode(stream)) == len(frames[::2])


def test_error_result_is_written_and_replaces_nothing_half_done(tmp_path):
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"\x00" * 1000)
    out = tmp_path / "out" / "broken"
    result = analyse_video(bad, out_dir=out, backend=ReplayBackend([]))
    assert result.status == "error"
    doc = json.loads((out / "result.json").read_text())
    assert doc["status"] == "error"
    assert set(doc["error"]) == {"code", "message", "hint"}
    assert doc["holds"] == []
    assert sorted(p.name for p in out.iterdir()) == ["result.json"]


def test_a_crash_inside_the_analysis_becomes_an_error_result(tmp_path, replayed):
    clip, _ = replayed

    class Exploding:
        def process(self, rgb, t_s):
            raise RuntimeError("boom")

        def close(self):
            pass

    result = analyse_video(clip, backend=Exploding())
    assert result.status == "error"
    assert result.error.code == "internal_error"
    assert "boom" in result.error.message
    assert "RuntimeError" in result.to_result().error.details  # for the bug report


def test_reanalysis_from_saved_landmarks_gives_the_same_numbers(tmp_path, replayed):
    from screening.analysis import analyse_landmarks
    from screening.landmarks import LandmarkSeries

    clip, frames = replayed
    result = analyse_video(clip, out_dir=tmp_path / "o", backend=ReplayBackend(frames),
                           annotate=False)
    again = analyse_landmarks(LandmarkSeries.load_npz(tmp_path / "o" / "landmarks.npz"),
                              Config())
    assert again.holds[0].metrics == result.holds[0].metrics


def test_mirrored_config_swaps_the_result(tmp_path, replayed):
    clip, frames = replayed
    result = analyse_video(clip, backend=ReplayBackend(frames),
                           config=Config().with_changes(mirrored=True, estimator="hip_line"))
    test = result.holds[0]
    assert test.hold.stance_side == "right"
    assert test.metrics.drop_median_deg == pytest.approx(6.0, abs=0.3)
    assert np.isfinite(test.metrics.lean_median_deg)


def test_uneven_frame_times_are_kept_in_the_annotated_video(tmp_path):
    """Webcam and phone recordings have jittery frame intervals."""
    _, frames = single_leg_series(lifted_side="left", drop_deg=5.0, fps=30, duration_s=6)
    rng = np.random.default_rng(1)
    times_ms = np.cumsum(rng.uniform(20, 47, len(frames))).astype(int)  # 21-47 fps, uneven
    clip = tmp_path / "webcam.mp4"
    with H264Writer(clip, origin_s=0.0) as writer:  # milliseconds, as a webcam gives them
        for ms, img in zip(times_ms, plain_frames(len(frames)), strict=False):
            writer.write(img, ms / 1000)
    every = Config().with_changes(annotated_max_fps=0, max_pose_fps=0)
    result = analyse_video(clip, out_dir=tmp_path / "o", backend=ReplayBackend(frames),
                           config=every)
    assert result.ok, result.error
    assert not any("annotated video" in w for w in result.to_result().warnings)
    with av.open(str(tmp_path / "o" / "annotated.mp4")) as c:
        got = [round(float(f.pts * f.time_base) * 1000) for f in c.decode(video=0)]
    np.testing.assert_allclose(np.diff(got), np.diff(times_ms - times_ms[0]), atol=1)
    # with the default 15 fps cap, frames closer than 1/15 s to the last kept are left out
    analyse_video(clip, out_dir=tmp_path / "capped", backend=ReplayBackend(frames))
    with av.open(str(tmp_path / "capped" / "annotated.mp4")) as c:
        capped = [round(float(f.pts * f.time_base) * 1000) for f in c.decode(video=0)]
    assert set(capped) <= set(got) and len(capped) < len(got)
    assert min(np.diff(capped)) >= 1000 / 15 - 1


def test_pose_frame_rate_cap_halves_the_pose_work_and_keeps_the_numbers(tmp_path, replayed):
    clip, frames = replayed   # 30 fps
    capped, every = ReplayBackend(frames), ReplayBackend(frames)
    config = Config().with_changes(estimator="hip_line", steady_pose_fps=0)
    a = analyse_video(clip, backend=capped, config=config)
    b = analyse_video(clip, backend=every, config=config.with_changes(max_pose_fps=0))
    assert a.ok and b.ok
    assert every.calls == len(frames) and capped.calls == len(frames[::2])
    assert min(np.diff(a.landmarks.t_s)) >= 1 / 15 - 1e-6
    [ta], [tb] = a.holds, b.holds
    assert ta.metrics.drop_median_deg == pytest.approx(tb.metrics.drop_median_deg, abs=0.1)
    assert ta.hold_start_s == pytest.approx(tb.hold_start_s, abs=2 / 30)
    assert ta.decision.classification == tb.decision.classification


def test_steady_pose_rate_skips_still_frames_and_keeps_the_numbers(tmp_path, replayed):
    clip, frames = replayed   # 30 fps: 15 a second under the cap
    steady, capped = ReplayBackend(frames), ReplayBackend(frames)
    config = Config().with_changes(estimator="hip_line")
    a = analyse_video(clip, backend=steady, config=config)
    b = analyse_video(clip, backend=capped, config=config.with_changes(steady_pose_fps=0))
    assert a.ok and b.ok
    assert Config().video.steady_pose_fps == 5.0
    # still on two legs and in the hold: a third of the frames there
    assert capped.calls == len(frames[::2]) and steady.calls < 0.7 * capped.calls
    np.testing.assert_array_equal(a.landmarks.t_s, b.landmarks.t_s)
    skipped = a.landmarks.filled.all(axis=1)
    assert skipped.sum() == capped.calls - steady.calls
    assert not skipped[0] and not skipped[-1]
    assert not b.landmarks.filled.any()
    [ta], [tb] = a.holds, b.holds
    assert ta.metrics.drop_median_deg == pytest.approx(tb.metrics.drop_median_deg, abs=0.1)
    assert ta.hold_start_s == pytest.approx(tb.hold_start_s, abs=2 / 15)
    assert ta.hold_end_s == pytest.approx(tb.hold_end_s, abs=2 / 15)
    assert ta.decision.classification == tb.decision.classification


def test_frame_rate_cap_keeps_frames_at_least_the_interval_apart():
    from screening.video import keep_frame

    kept, last = [], None
    for t in np.arange(12) / 30:  # 30 fps capped at 15 fps: every other frame
        if keep_frame(float(t), last, 1 / 15):
            kept.append(round(float(t) * 30))
            last = float(t)
    assert kept == [0, 2, 4, 6, 8, 10]
    assert keep_frame(0.01, 0.0, 0.0)             # no cap: every frame
    assert keep_frame(5.0, None, 1 / 15)           # the first frame always


def test_unwritable_output_is_an_error_result_not_an_exception(tmp_path, replayed):
    clip, frames = replayed
    blocker = tmp_path / "file"
    blocker.write_text("a file where a folder should be")
    result = analyse_video(clip, out_dir=blocker / "out", backend=ReplayBackend(frames))
    assert result.status == "error"
    assert result.error.code == "write_failed"
    assert result.analysis is not None  # the measurement itself is kept for the caller


def test_the_report_is_written_with_the_outputs_from_the_kept_frames(tmp_path, replayed,
                                                                     monkeypatch):
    import screening.keyframes as keyframes
    from screening.outputs import ReportDetails

    def decoding_again(*args, **kwargs):
        raise AssertionError("the key frames were decoded from a video")

    monkeypatch.setattr(keyframes, "read_frames_at", decoding_again)
    clip, frames = replayed
    out = tmp_path / "o"
    result = analyse_video(clip, out_dir=out, backend=ReplayBackend(frames),
                           report=ReportDetails(subject_label="P<7>", operator="Dr A",
                                                notes="left knee\nsore"))
    assert result.ok, result.error
    assert sorted(p.name for p in out.iterdir()) == [
        "annotated.mp4", "landmarks.npz", "report.html", "report.pdf", "result.json",
        "timeseries.csv"]
    assert "report_html" not in result.to_result().outputs   # result.json as before
    page = (out / "report.html").read_text()
    assert "P&lt;7&gt;" in page and "Examiner: <b>Dr A</b>" in page and "left knee" in page
    assert page.count("data:image/png;base64,") == 1 and page.count("data:image/jpeg") == 2
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF")
    assert (out / "report.html").stat().st_mtime_ns >= (out / "result.json").stat().st_mtime_ns


def test_a_failing_report_leaves_the_result_without_it(tmp_path, replayed, monkeypatch):
    import screening.report_html as report_html
    from screening.outputs import ReportDetails

    def broken(*args, **kwargs):
        raise RuntimeError("no fonts")

    monkeypatch.setattr(report_html, "render_pdf", broken)
    clip, frames = replayed
    result = analyse_video(clip, out_dir=tmp_path / "o", backend=ReplayBackend(frames),
                           report=ReportDetails())
    assert result.ok, result.error
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == [
        "annotated.mp4", "landmarks.npz", "result.json", "timeseries.csv"]
