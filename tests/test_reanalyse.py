"""Analysing a result folder again from its saved landmarks: the same result with the same
settings, new settings honoured, the folder replaced all at once or not at all, and clear
errors for folders that cannot be analysed again."""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from conftest import SAMPLES
from fakes import ReplayBackend, plain_frames, single_leg_series, write_video

from screening import Config, ConfigError, InputError, analyse_video, reanalyse_folder
from screening.cli import main
from screening.reanalysis import folder_config
from screening.report_html import write_reports

HIP_LINE = Config().with_changes(estimator="hip_line")  # exact on hand-made landmarks
# what a re-analysis changes in result.json even with the same settings
VOLATILE = ("analysed_at", "reanalysed_from", "warnings", "outputs")


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    """A result folder written by analyse_video (6 deg drop, standing on the left leg),
    with its printable reports and a summary.csv beside it (made once, copied per test)."""
    from screening.batch import write_summary

    root = tmp_path_factory.mktemp("analysed")
    series, frames = single_leg_series(lifted_side="right", drop_deg=6.0, fps=30, duration_s=8)
    clip = write_video(root / "subject.mp4", plain_frames(len(frames)), fps=30)
    out = root / "results" / "subject"
    result = analyse_video(clip, out_dir=out, backend=ReplayBackend(frames), config=HIP_LINE)
    assert result.ok, result.error
    write_reports(out, subject_label="P-01")
    write_summary(out.parent)
    return out


@pytest.fixture
def folder(analysed, tmp_path):
    shutil.copytree(analysed.parent, tmp_path / "results")
    return tmp_path / "results" / analysed.name


def _doc(folder):
    return json.loads((folder / "result.json").read_text())


def _files(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def _without(doc, keys=VOLATILE):
    return {k: v for k, v in doc.items() if k not in keys}


def test_the_same_settings_give_the_same_result(folder):
    before, files = _doc(folder), _files(folder)
    video_inode = (folder / "annotated.mp4").stat().st_ino
    result = reanalyse_folder(folder)
    assert result.ok, result.error
    after = _doc(folder)
    assert _without(after) == _without(before)
    assert after["config"] == HIP_LINE.to_dict()            # nested, as the folder's own
    assert after["reanalysed_from"]["analysed_at"] == before["analysed_at"]
    assert after["reanalysed_from"]["versions"] == before["versions"]
    assert after["outputs"] == {key: str(folder / os.path.basename(path))
                                for key, path in before["outputs"].items()}
    assert (folder / "timeseries.csv").read_bytes() == files["timeseries.csv"]
    with np.load(folder / "landmarks.npz") as a, np.load(tmp_npz(files)) as b:
        assert sorted(a.files) == sorted(b.files)
        for key in a.files:
            np.testing.assert_array_equal(a[key], b[key])
    # the annotated video is kept as it was (the same file), and says it may be stale
    assert (folder / "annotated.mp4").stat().st_ino == video_inode
    assert any("annotated.mp4 shows the analysis of" in w for w in after["warnings"])
    # the reports were there: they are made again from the new result
    assert {"report.html", "report.pdf"} <= set(os.listdir(folder))
    assert (folder / "report.html").read_bytes() != files["report.html"]
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]
    # analysing it again once more still points at the first pose pass
    again = reanalyse_folder(folder)
    assert again.reanalysed_from["analysed_at"] == before["analysed_at"]


def tmp_npz(files):
    import io

    return io.BytesIO(files["landmarks.npz"])


def test_a_changed_threshold_is_honoured(folder):
    assert _doc(folder)["holds"][0]["classification"] == "positive"   # 6 deg >= 4 deg
    config = folder_config(folder).with_changes(positive_from_deg=7.0)
    result = reanalyse_folder(folder, config)
    assert result.ok
    doc = _doc(folder)
    assert doc["holds"][0]["classification"] == "borderline"          # 2 <= 6 deg < 7
    assert doc["sides"][0]["classification"] == "borderline"
    assert doc["config"]["decision"]["positive_from_deg"] == 7.0
    assert doc["config"]["measurement"]["estimator"] == "hip_line"   # the folder's own
    assert doc["holds"][0]["pelvic_drop_deg"]["median"] == pytest.approx(6.0, abs=0.3)


def test_settings_of_the_pose_pass_cannot_change(folder):
    files = _files(folder)
    for change in ({"max_pose_fps": 0.0}, {"mirrored": True}, {"annotated_max_fps": 30.0}):
        with pytest.raises(ConfigError) as exc:
            reanalyse_folder(folder, folder_config(folder).with_changes(**change))
        name = next(iter(change))
        assert name in exc.value.message and "analyze" in exc.value.hint
    assert _files(folder) == files


def test_a_folder_without_landmarks_says_how_to_fix_it(folder):
    (folder / "landmarks.npz").unlink()
    files = _files(folder)
    with pytest.raises(InputError) as exc:
        reanalyse_folder(folder)
    assert exc.value.code == "no_landmarks"
    assert "landmarks.npz" in exc.value.message
    assert "pelvic-screen analyze" in exc.value.hint and "subject.mp4" in exc.value.hint
    assert _files(folder) == files
    with pytest.raises(InputError, match="not a result folder"):
        reanalyse_folder(folder.parent)


def test_a_failure_while_writing_leaves_the_folder_as_it_was(folder, monkeypatch):
    import screening.reanalysis as reanalysis

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(reanalysis, "write_reports", broken)
    files = _files(folder)
    result = reanalyse_folder(folder, folder_config(folder).with_changes(positive_from_deg=7.0))
    assert result.status == "error" and result.error.code == "write_failed"
    assert "disk full" in result.error.message and "as it was" in result.error.message
    assert _files(folder) == files
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]


def test_a_folder_of_an_earlier_version_with_flat_settings(folder):
    doc = _doc(folder)
    flat = {k: v for section in doc["config"].values() for k, v in section.items()}
    doc["config"] = flat
    (folder / "result.json").write_text(json.dumps(doc))
    assert folder_config(folder) == HIP_LINE
    assert reanalyse_folder(folder).ok
    assert _doc(folder)["config"] == HIP_LINE.to_dict()


def test_files_of_the_user_in_the_folder_are_kept(folder):
    (folder / "my notes.txt").write_text("seen on Monday")
    assert reanalyse_folder(folder).ok
    assert (folder / "my notes.txt").read_text() == "seen on Monday"


def test_the_command_reanalyses_folders_and_updates_the_summary(folder, tmp_path, capsys):
    settings = tmp_path / "strict.toml"
    settings.write_text("[decision]\npositive_from_deg = 8.0\n")
    code = main(["reanalyse", str(folder.parent), "--config", str(settings),
                 "--negative-below-deg", "7"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "ok subject: left stance negative" in err
    assert "1 of 1 result folders analysed again." in out
    doc = _doc(folder)
    assert doc["config"]["decision"] == {"negative_below_deg": 7.0, "positive_from_deg": 8.0,
                                         "compensation_lean_deg": 5.0}
    summary = (folder.parent / "summary.csv").read_text()
    assert "negative" in summary and "positive" not in summary.split("\n", 1)[1]


def test_the_command_names_folders_it_cannot_analyse(folder, tmp_path, capsys):
    (folder / "landmarks.npz").unlink()
    code = main(["reanalyse", str(folder), str(tmp_path / "nowhere")])
    err = capsys.readouterr().err
    assert code == 1
    assert f"FAILED {folder}: " in err and "landmarks.npz" in err and "Hint:" in err
    assert "nowhere is not a folder" in err
    settings = tmp_path / "video.toml"
    settings.write_text("[video]\nmax_pose_fps = 30.0\n")
    (folder / "landmarks.npz").write_bytes(b"not a zip")
    assert main(["reanalyse", str(folder), "--config", str(settings)]) == 1
    assert "video.max_pose_fps (15.0 -> 30.0) cannot change" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["reanalyse", str(folder), "--max-pose-fps", "30"])   # not offered
    assert exc.value.code == 2


@pytest.mark.model
def test_a_sample_video_reanalysed_gives_the_same_result_and_new_thresholds(tmp_path):
    clip = SAMPLES / "positive_left_stance.mp4"
    if not clip.is_file():
        pytest.skip(f"{clip} is absent")
    out = tmp_path / "out"

    def run(*args):
        proc = subprocess.run([sys.executable, "-m", "screening", *map(str, args)],
                              capture_output=True, text=True, timeout=900)
        assert "Traceback" not in proc.stderr, proc.stderr
        return proc

    first = run("analyze", clip, "--out", out)
    assert first.returncode == 0, first.stderr
    folder = out / clip.stem
    before = _doc(folder)
    assert {"annotated.mp4", "report.html", "report.pdf"} <= set(os.listdir(folder))
    same = run("reanalyse", folder)
    assert same.returncode == 0, same.stderr
    after = _doc(folder)
    assert _without(after) == _without(before)
    assert before["holds"] and before["holds"][0]["classification"] == "positive"
    strict = run("reanalyse", out, "--negative-below-deg", "44", "--positive-from-deg", "45")
    assert strict.returncode == 0, strict.stderr
    changed = _doc(folder)
    assert [t["classification"] for t in changed["holds"]] == ["negative"] * len(
        before["holds"])
    assert [t["pelvic_drop_deg"] for t in changed["holds"]] == [
        t["pelvic_drop_deg"] for t in before["holds"]]
    assert changed["config"]["decision"]["positive_from_deg"] == 45.0
    assert (out / "summary.csv").read_text().count("negative") >= len(before["holds"])
