"""Real people (../shared/real): each clip's expected outcome, decided from what its frames
show, not from what the code happens to give.

None of these clips holds a steady single-leg stance after standing on both legs, so none
should get a verdict: the takes on one leg are inconclusive (too short, nothing to compare
with), the others are named errors. Where the code gives something else, the case is a
strict xfail that says what goes wrong, so that a fix shows up as an XPASS.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from screening import analyse_video

pytestmark = [pytest.mark.model, pytest.mark.shared]


@dataclass(frozen=True)
class Expected:
    shows: str                       # what the frames show
    error: str | None = None         # the error code, when nothing can be measured
    stance_side: str | None = None   # every hold stands on this leg (None: not checked)
    problem: str | None = None       # a problem every (inconclusive) hold has


BALANCING = Expected(
    "1.7 s of balancing on the left leg, the right leg swung out sideways (0.3-1.0 s) and "
    "the trunk leaning; no stance on both legs before it and no steady hold",
    stance_side="left", problem="hold_too_short")
STATIC = Expected("0.18 s (11 frames) of a man standing", error="too_short")
PHOTO = Expected("a photograph, not a video", error="image_not_video")

CASES = [
    ("pose2sim_balancing/cam01.mp4", BALANCING, None),
    ("pose2sim_balancing/cam02.mp4", BALANCING, None),
    ("pose2sim_balancing/cam03.mp4", BALANCING, None),
    ("pose2sim_balancing/cam04.mp4", BALANCING, None),
    ("pose2sim_static/cam01.mp4", STATIC, None),
    ("pose2sim_static/cam02.mp4", STATIC, None),
    ("pose2sim_static/cam03.mp4", STATIC, None),
    ("pose2sim_static/cam04.mp4", STATIC, None),
    ("vaila_hop/camera_01_cube_test.mp4", Expected(
        "8.6 s of hops on the right leg around a floor grid, the left knee bent behind; no "
        "stance on both legs and no steady hold", stance_side="right",
        problem="no_baseline"), None),
    ("misc/jumping_jacks_front.mp4", Expected(
        "10 s of jumping jacks, both feet together, turning to a side view half-way; no "
        "single-leg stance", error="no_lift"), None),
    ("misc/mediapipe_dance_front.mp4", Expected(
        "5 s of dancing with a foot off the floor for moments; no steady hold",
        problem="hold_too_short"), None),
    ("misc/taichi_front.mp4", Expected(
        "17 s of a tai chi form on both feet, a step at the end; no steady hold",
        problem="hold_too_short"), None),
    ("misc/standing_front.jpeg", PHOTO, None),
    ("misc/tree_pose_front.jpeg", PHOTO, None),
    ("misc/upper_body_only.jpg", PHOTO, None),
]


PARAMS = [pytest.param(clip, expected, id=clip,
                       marks=[pytest.mark.xfail(strict=True, reason=wrong)] if wrong else [])
          for clip, expected, wrong in CASES]


@pytest.mark.parametrize("clip, expected", PARAMS)
def test_real_clip_gives_its_expected_outcome(shared_real, model_info, clip, expected):
    doc = analyse_video(shared_real / clip, model=model_info).to_result().to_document()
    error = doc["error"] or {}
    if expected.error is not None:
        assert (doc["status"], error.get("code")) == ("error", expected.error), error
        assert error["hint"]
        assert (shared_real / clip).name not in error["message"]
        return
    assert doc["status"] == "ok", (expected.shows, error)
    assert doc["holds"], expected.shows
    for test in doc["holds"]:
        # nothing to measure in these takes: no verdict, and the reason said
        assert test["classification"] == "inconclusive", (expected.shows, test)
        codes = [p["code"] for p in test["problems"]]
        assert expected.problem in codes, (expected.shows, codes)
        if expected.stance_side is not None:
            assert test["stance_side"] == expected.stance_side, (expected.shows, test)
    assert all(side["classification"] == "inconclusive" and side["weak_side"] is None
               for side in doc["sides"])
