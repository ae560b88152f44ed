"""The command line with the real model: bad inputs, batches, resuming, exit codes."""

import csv
import json
import subprocess
import sys

import numpy as np
import pytest
from clips import read_frames, set_display_rotation, transformed
from conftest import DEV, SAMPLES
from fakes import plain_frames, write_video

from screening.cli import main

pytestmark = pytest.mark.model


@pytest.fixture(scope="session")
def person_clip():
    """A short clip of a person doing the test: the project's own sample, else a dev clip."""
    for candidate in sorted(SAMPLES.glob("*.mp4")) + [DEV / "D05.mp4"]:
        if candidate.is_file():
            return candidate
    pytest.skip("no clip of a person available (sample_videos/ and ../shared are empty)")


def run_cli(*args):
    proc = subprocess.run([sys.executable, "-m", "screening", *map(str, args)],
                          capture_output=True, text=True, timeout=600)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_model_command_prints_path_sha_and_source(model_info):
    proc = run_cli("model", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert {"path", "sha256", "source"} <= set(doc)
    from screening.pose.model import sha256_of

    assert sha256_of(doc["path"]) == doc["sha256"] == model_info.sha256
    human = run_cli("model")
    assert doc["sha256"] in human.stdout


def test_model_command_rejects_a_wrong_checksum(tmp_path, model_info):
    proc = run_cli("model", "--model", model_info.path, "--model-sha256", "0" * 64)
    assert proc.returncode == 1
    assert "expected" in proc.stderr


def test_usage_errors_exit_2(tmp_path):
    assert run_cli("analyze").returncode == 2
    assert run_cli("analyze", tmp_path, "--out", tmp_path / "o").returncode == 2  # no videos
    assert run_cli("analyze", "x.mp4", "--jobs", "0").returncode == 2
    assert run_cli("frobnicate").returncode == 2


def test_batch_with_broken_files_completes_with_exit_1(tmp_path, person_clip, model_info):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "good.mp4").write_bytes(person_clip.read_bytes())
    (inputs / "notes.mp4").write_text("hello")
    (inputs / "empty.mov").write_bytes(b"")
    data = person_clip.read_bytes()
    (inputs / "truncated.mp4").write_bytes(data[: len(data) // 3])
    write_video(inputs / "nobody.mp4", plain_frames(60, width=320, height=480), fps=20)
    out = tmp_path / "out"
    proc = run_cli("analyze", inputs, tmp_path / "missing.mp4", "--out", out, "--jobs", "2")
    assert proc.returncode == 1, proc.stderr
    with (out / "summary.csv").open() as f:
        rows = {r["input"].rsplit("/", 1)[-1]: r for r in csv.DictReader(f)}
    assert rows["good.mp4"]["status"] == "ok"
    assert rows["good.mp4"]["classification"] in ("negative", "borderline", "positive")
    expected = {"notes.mp4": "not_a_video", "empty.mov": "empty_file",
                "missing.mp4": "missing_file", "nobody.mp4": "no_person",
                "truncated.mp4": "damaged_video"}
    for name, code in expected.items():
        assert rows[name]["status"] == "error" and rows[name]["error_code"] == code, rows[name]
    for name in expected:
        assert f"FAILED {name}" in proc.stderr and "Hint:" in proc.stderr
    good = json.loads((out / "good" / "result.json").read_text())
    assert good["model"]["sha256"] == model_info.sha256
    assert (out / "good" / "annotated.mp4").stat().st_size > 0
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_batch_is_resumable_and_force_redoes(tmp_path, person_clip):
    out = tmp_path / "out"
    first = run_cli("analyze", person_clip, "--out", out, "--no-video")
    assert first.returncode == 0, first.stderr
    stamp = (out / person_clip.stem / "result.json").stat().st_mtime_ns
    second = run_cli("analyze", person_clip, "--out", out, "--no-video")
    assert "skipped" in second.stdout
    assert (out / person_clip.stem / "result.json").stat().st_mtime_ns == stamp
    third = run_cli("analyze", person_clip, "--out", out, "--no-video", "--force")
    assert third.returncode == 0
    assert (out / person_clip.stem / "result.json").stat().st_mtime_ns != stamp


def _analyse(tmp_path, clip, *extra):
    out = tmp_path / "out"
    code = main(["analyze", str(clip), "--out", str(out), "--no-video", "--quiet", *extra])
    return code, json.loads((out / clip.stem / "result.json").read_text())


def test_too_dark(tmp_path, person_clip):
    clip = transformed(person_clip, tmp_path / "dark.mp4", lambda f: (f * 0.04).astype(np.uint8))
    code, doc = _analyse(tmp_path, clip)
    assert code == 1 and doc["error"]["code"] == "too_dark"


def test_two_people(tmp_path, person_clip):
    clip = transformed(person_clip, tmp_path / "two.mp4", lambda f: np.hstack([f, f]))
    code, doc = _analyse(tmp_path, clip)
    assert code == 1 and doc["error"]["code"] == "two_people"


def test_feet_cut_off(tmp_path, person_clip):
    def crop(f):
        top = f[: int(f.shape[0] * 0.62)]
        return top[: top.shape[0] // 2 * 2]

    clip = transformed(person_clip, tmp_path / "cut.mp4", crop)
    code, doc = _analyse(tmp_path, clip)
    assert code == 1 and doc["error"]["code"] in ("cut_off", "no_lift"), doc["error"]
    assert "visible" in doc["error"]["hint"] or "foot" in doc["error"]["hint"]


def test_too_short(tmp_path, person_clip):
    clip = transformed(person_clip, tmp_path / "short.mp4", lambda f: f, max_frames=10)
    code, doc = _analyse(tmp_path, clip)
    assert code == 1 and doc["error"]["code"] == "too_short"


def test_too_long(tmp_path, person_clip):
    code, doc = _analyse(tmp_path, person_clip, "--max-duration", "2")
    assert code == 1 and doc["error"]["code"] == "too_long"


def test_huge_frames_are_downscaled_not_refused(tmp_path, person_clip):
    import cv2

    frames, fps = read_frames(person_clip)
    h, w = frames[0].shape[:2]
    scale = 2160 / max(h, w) * 1.0
    size = (int(w * scale) // 2 * 2, int(h * scale) // 2 * 2)
    clip = write_video(tmp_path / "huge.mp4", (cv2.resize(f, size) for f in frames),
                       fps=round(fps))
    code, doc = _analyse(tmp_path, clip)
    assert code == 0, doc["error"]
    assert doc["video"]["height_px"] == size[1]


def test_phone_rotation_metadata_gives_the_same_result(tmp_path, person_clip):
    code, upright = _analyse(tmp_path / "a", person_clip)
    assert code == 0
    clip = transformed(person_clip, tmp_path / "phone.mp4", lambda f: np.rot90(f, k=1).copy())
    set_display_rotation(clip, 90)
    code, rotated = _analyse(tmp_path / "b", clip)
    assert code == 0, rotated["error"]
    assert rotated["video"]["rotation_deg"] == 90
    a, b = upright["holds"][0], rotated["holds"][0]
    assert a["stance_side"] == b["stance_side"]
    assert abs(a["pelvic_drop_deg"]["median"] - b["pelvic_drop_deg"]["median"]) < 1.0


def test_analyze_writes_the_report_with_the_result_without_loading_the_records(
        tmp_path, person_clip):
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-c",
         "import sys\nfrom screening.cli import main\n"
         f"code = main(['analyze', {str(person_clip)!r}, '--out', {str(out)!r}, '--quiet'])\n"
         "print('EXIT', code, 'RECORDS', 'sqlalchemy' in sys.modules)\n"],
        capture_output=True, text=True, timeout=600)
    assert "EXIT 0 RECORDS False" in proc.stdout, proc.stderr
    folder = out / person_clip.stem
    page = (folder / "report.html").read_text()
    assert page.count("data:image/jpeg;base64,") >= 2      # key frames from the analysis
    assert (folder / "report.pdf").read_bytes().startswith(b"%PDF")
