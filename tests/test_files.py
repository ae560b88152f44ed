"""Atomic writes: a reader sees the old file or the new one, never a part; a failure
leaves the target as it was and nothing else behind."""

from __future__ import annotations

import pytest

from screening.files import (
    atomic_open,
    publish_folder,
    staged_folder,
    write_bytes_atomic,
    write_text_atomic,
)


def test_a_file_is_replaced_whole(tmp_path):
    target = tmp_path / "a.json"
    write_text_atomic(target, "old")
    assert write_bytes_atomic(target, b"new") == target
    assert target.read_text() == "new"
    with atomic_open(target, "w", encoding="utf-8", newline="") as f:
        f.write("one\r\ntwo")
        assert target.read_text() == "new"      # not yet: the old file until the end
    assert target.read_bytes() == b"one\r\ntwo"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "a.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError, match="stopped"):
        with atomic_open(target) as f:
            f.write("half")
            raise RuntimeError("stopped half-way")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv"]


def test_only_write_modes_are_accepted(tmp_path):
    with pytest.raises(ValueError, match="mode"):
        with atomic_open(tmp_path / "a", "a"):
            pass


def test_a_staged_folder_replaces_the_old_one_or_disappears(tmp_path):
    final = tmp_path / "out" / "clip"
    with staged_folder(final) as stage:
        assert stage.parent == final.parent and stage.name.startswith(".clip.partial-")
        (stage / "result.json").write_text("1")
    with staged_folder(final) as stage:
        (stage / "result.json").write_text("2")
    assert (final / "result.json").read_text() == "2"
    with pytest.raises(OSError):
        with staged_folder(final) as stage:
            (stage / "result.json").write_text("3")
            raise OSError("disk full")
    assert (final / "result.json").read_text() == "2"
    assert sorted(p.name for p in final.parent.iterdir()) == ["clip"]


def test_publishing_over_a_missing_folder(tmp_path):
    stage = tmp_path / ".x.partial-1"
    stage.mkdir()
    (stage / "f").write_text("x")
    publish_folder(stage, tmp_path / "x")
    assert (tmp_path / "x" / "f").read_text() == "x" and not stage.exists()


def test_the_built_model_lands_whole_in_the_cache(tmp_path, monkeypatch):
    from screening.pose import model

    def fake_build(wheel, out):
        out.write_bytes(b"bundle")
        return model.BUNDLE_SHA256

    monkeypatch.setenv("PELVIC_SCREEN_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(model, "build_bundle", fake_build)
    wheel = tmp_path / "mediapipe.whl"
    wheel.write_bytes(b"wheel")
    info = model.install_default_model(from_wheel=wheel)
    folder = tmp_path / "cache" / "models"
    assert info.path == str(folder / model.BUNDLE_NAME)
    assert [p.name for p in folder.iterdir()] == [model.BUNDLE_NAME]
    assert (folder / model.BUNDLE_NAME).read_bytes() == b"bundle"
