"""One pose model reused across videos gives the same numbers as a new model per video."""

import numpy as np
import pytest
from conftest import SAMPLES

from screening.pipeline import analyse_video
from screening.pose.reuse import ReusedPose

pytestmark = pytest.mark.model


def _same_series(a, b):
    for name in ("t_s", "xy_px", "visibility", "presence", "world_xyz_m", "n_people"):
        assert np.array_equal(getattr(a, name), getattr(b, name), equal_nan=True), name


def test_a_reused_model_gives_results_identical_to_a_new_one(model_info):
    first = SAMPLES / "positive_right_stance.mp4"
    second = SAMPLES / "negative_left_stance.mp4"
    fresh = analyse_video(second, model=model_info)
    with ReusedPose() as reuse:
        analyse_video(first, model=model_info, backend=reuse.for_video(model_info))
        reused = analyse_video(second, model=model_info, backend=reuse.for_video(model_info))
        assert reuse.loads == 1
    assert fresh.ok and reused.ok
    _same_series(fresh.landmarks, reused.landmarks)
    assert fresh.to_result().holds == reused.to_result().holds
    assert fresh.to_result().sides == reused.to_result().sides


def test_a_file_that_is_not_a_video_does_not_load_the_model(tmp_path, model_info):
    junk = tmp_path / "junk.mp4"
    junk.write_text("hello")
    with ReusedPose() as reuse:
        result = analyse_video(junk, model=model_info, backend=reuse.for_video(model_info))
        assert reuse.loads == 0
    assert result.error.code == "not_a_video"
