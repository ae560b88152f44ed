"""Real people (../shared/real): no crash; a sensible result or a clear error."""

import pytest

from screening import analyse_video

pytestmark = [pytest.mark.model, pytest.mark.shared]

KNOWN_CODES = {"no_lift", "too_short", "cut_off", "side_view", "no_person", "two_people",
               "too_small", "image_not_video"}
CLIPS = ["pose2sim_balancing/cam01.mp4", "pose2sim_balancing/cam02.mp4",
         "pose2sim_balancing/cam03.mp4", "pose2sim_balancing/cam04.mp4",
         "pose2sim_static/cam02.mp4", "vaila_hop/camera_01_cube_test.mp4",
         "misc/jumping_jacks_front.mp4", "misc/mediapipe_dance_front.mp4",
         "misc/taichi_front.mp4", "misc/standing_front.jpeg"]


@pytest.mark.parametrize("clip", CLIPS)
def test_real_clip_gives_a_result_or_a_clear_error(shared_real, model_info, clip):
    result = analyse_video(shared_real / clip, model=model_info)
    doc = result.to_result().to_document()
    print(clip, doc["status"], doc["error"] and doc["error"]["code"],
          [(t["stance_side"], t["classification"], t["pelvic_drop_deg"]["median"])
           for t in doc["holds"]])
    if doc["status"] == "error":
        assert doc["error"]["code"] in KNOWN_CODES, doc["error"]
        assert doc["error"]["hint"]
    else:
        assert doc["holds"]
        for test in doc["holds"]:
            assert test["classification"] in ("negative", "borderline", "positive",
                                              "inconclusive")
            drop = test["pelvic_drop_deg"]["median"]
            assert drop is None or abs(drop) < 45
