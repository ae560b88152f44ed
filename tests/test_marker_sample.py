"""The printed pelvis markers on a rendered clip, through the whole pipeline with the real
pose model: sample_videos/markers_drop_at_foot_off.mp4 (tools/synth/make_samples.py), a
6 deg drop that comes with the lift while the trunk stays upright, the motion the
landmarks alone cannot see."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import SAMPLES

from screening import Config, analyse_video

pytestmark = pytest.mark.model

CLIP = SAMPLES / "markers_drop_at_foot_off.mp4"


@pytest.fixture(scope="module")
def result(model_info, tmp_path_factory):
    if not CLIP.exists():
        pytest.skip(f"{CLIP} is absent")
    out = tmp_path_factory.mktemp("markers") / "out"
    return analyse_video(CLIP, config=Config(), out_dir=out, model=model_info,
                         annotate=False), out


def test_markers_are_found_in_the_rendered_clip(result):
    res, _ = result
    assert res.ok, res.error
    assert res.markers is not None
    assert res.markers.both_seen.mean() > 0.9


def test_the_drop_at_foot_off_is_measured_from_the_markers(result):
    res, out = result
    truth = json.loads(CLIP.with_suffix(".json").read_text())
    hold = np.array(truth["phase"]) == "hold"
    true_drop = float(np.median(np.array(truth["drop3d_deg"])[hold]))
    [test] = res.holds
    assert test.hold.stance_side == truth["stance_side"]
    assert test.evidence == "markers"
    assert test.metrics.drop_median_deg == pytest.approx(true_drop, abs=0.5)
    assert test.decision.classification == "positive"
    # the landmark estimate, given beside it, misses most of this drop (docs/VALIDATION.md)
    assert test.markerless.drop_median_deg < true_drop - 2.0
    entry = json.loads((out / "result.json").read_text())["holds"][0]
    assert entry["evidence"] == "markers"
    assert entry["markerless_pelvic_drop_deg"]["median"] == pytest.approx(
        test.markerless.drop_median_deg, abs=0.01)
