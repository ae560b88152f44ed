"""The validation harness: truth reading, classification, set statistics (no model)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from screening.config import Config

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the validation/ package
from validation.scoring import ClipScore, classify, fit_line, summarise  # noqa: E402
from validation.truth import load_truth  # noqa: E402


def test_classify_uses_config_thresholds():
    c = Config()
    assert classify(1.99, c) == "negative"
    assert classify(2.0, c) == "borderline"
    assert classify(4.0, c) == "positive"
    assert classify(float("nan"), c) == "inconclusive"


def test_fit_line_recovers_slope_and_intercept():
    x = np.array([0.0, 2, 4, 6, 8, 10])
    slope, intercept = fit_line(x, 0.4 * x - 3)
    assert slope == pytest.approx(0.4) and intercept == pytest.approx(-3)
    assert np.isnan(fit_line(np.zeros(3), np.ones(3))[0])


def _score(name, true, meas, side_ok=True):
    s = ClipScore(name=name, factors={"trunk_mode": "upright"}, true_drop_deg=true,
                  true_drop2d_deg=true, target_drop_deg=true, measured_drop_deg=meas,
                  error_deg=meas - true, true_class=classify(true, Config()),
                  measured_class=classify(meas, Config()), side_correct=side_ok,
                  hold_start_error_s=0.1, hold_end_error_s=-0.2)
    return s


def test_summary_statistics():
    scores = [_score("a", 1.5, 2.5), _score("b", 5, 4), _score("c", 10, 11, side_ok=False)]
    s = summarise(scores)
    assert s.bias_deg == pytest.approx(1 / 3)
    assert s.mae_deg == pytest.approx(1.0)
    assert s.rmse_deg == pytest.approx(1.0)
    assert s.class_agreement == pytest.approx(2 / 3)
    assert s.side_accuracy == pytest.approx(2 / 3)
    assert s.hold_end_mae_s == pytest.approx(0.2)


def test_load_truth_reads_hold_and_true_drop(tmp_path):
    n = 30
    phase = ["double"] * 10 + ["hold"] * 15 + ["double"] * 5
    drop = [0.0] * 10 + [6.0] * 15 + [0.0] * 5
    doc = {"name": "X1", "video": "X1.mp4", "stance_side": "right", "swing_side": "left",
           "t_s": [i / 15 for i in range(n)], "phase": phase, "drop3d_deg": drop,
           "drop2d_deg": drop, "trunk_lean3d_deg": [0.0] * n, "trunk_mode": "upright",
           "target_drop_deg": 6.0, "renderer": "pyrender",
           "generator": {"body_id": "b01", "camera": {"roll_deg": 2.5, "yaw_deg": -1,
                                                      "height_m": 1.0, "distance_m": 3.5},
                         "motion": {"swing_hip_flex_deg": 45, "swing_knee_flex_deg": 70}}}
    (tmp_path / "X1.json").write_text(json.dumps(doc))
    t = load_truth(tmp_path / "X1.json")
    assert t.true_drop_deg == 6.0 and t.lifted_side == "left"
    assert t.hold_start_s == pytest.approx(10 / 15)
    f = t.factors()
    assert f["camera_roll"] == "|roll| 2-3 deg" and f["camera_height"] == "height 0.9-1.1 m"


def test_leg_fit_recovers_gains_through_the_origin():
    from screening.estimators import LEG_FIT
    from validation.fit_leg import fit

    rng = np.random.default_rng(0)
    rows = []
    for _ in range(20):
        x = np.array([rng.uniform(-2, 12), rng.uniform(-8, 4)])
        rows.append((x, float(0.8 * x[0] + 0.2 * x[1])))
    coef = fit(rows, LEG_FIT)
    assert coef.leg_gain == pytest.approx(0.8)
    assert coef.hip_gain == pytest.approx(0.2)
    assert coef.points == LEG_FIT.points
