"""The real model on the rendered ground-truth clips (../shared/synthetic/dev).

Stance side and hold window must match the truth; the pelvic-drop error of the configured
estimator is measured, printed and held to the bound documented in docs/MEASUREMENT.md
(a regression check, not a claim of accuracy).
"""

import json

import numpy as np
import pytest

from screening import Config
from screening.batch import collect_inputs, run_batch

pytestmark = [pytest.mark.model, pytest.mark.shared]

HOLD_TOLERANCE_S = 0.75
# Mean absolute error (deg) of the median drop per hold that the estimator must not exceed
# on the dev set: its measured value (docs/MEASUREMENT.md) plus 0.5 deg of slack.
MAE_BOUND_DEG = {"hip_line": 7.6, "leg": 1.51}


@pytest.fixture(scope="module")
def dev_results(shared_dev, tmp_path_factory, model_info):
    out = tmp_path_factory.mktemp("dev")
    outcomes = run_batch(collect_inputs([shared_dev]), out, config=Config(), model=model_info,
                         jobs=2, annotate=False)
    rows = []
    for o in outcomes:
        truth = json.loads(o.input.with_suffix(".json").read_text())
        rows.append((o.input.stem, truth, o.document))
    return rows


def _truth_hold(truth):
    phases = np.array(truth["phase"])
    t = np.array(truth["t_s"])
    hold = phases == "hold"
    return t[hold][0], t[hold][-1], float(np.median(np.array(truth["drop3d_deg"])[hold]))


def test_every_clip_is_analysed_with_one_hold(dev_results):
    assert len(dev_results) == 23
    for name, _, doc in dev_results:
        assert doc["status"] == "ok", (name, doc["error"])
        assert len(doc["tests"]) == 1, name


def test_stance_side_is_right_on_every_clip(dev_results):
    wrong = [name for name, truth, doc in dev_results
             if doc["tests"][0]["stance_side"] != truth["stance_side"]]
    assert wrong == []


def test_hold_window_within_tolerance(dev_results):
    errors = {}
    for name, truth, doc in dev_results:
        start, end, _ = _truth_hold(truth)
        test = doc["tests"][0]
        errors[name] = (test["hold_start_s"] - start, test["hold_end_s"] - end)
    worst = max(max(abs(a), abs(b)) for a, b in errors.values())
    print(f"\nhold window: worst end error {worst:.2f} s")
    assert worst <= HOLD_TOLERANCE_S, errors


def test_pelvic_drop_error_is_measured_and_does_not_regress(dev_results):
    true, measured, modes = [], [], []
    for _name, truth, doc in dev_results:
        true.append(_truth_hold(truth)[2])
        measured.append(doc["tests"][0]["pelvic_drop_deg"]["median"])
        modes.append(truth["trunk_mode"])
    true, measured, modes = np.array(true), np.array(measured), np.array(modes)
    err = measured - true
    slope = np.polyfit(true, measured, 1)[0]
    estimator = Config().measurement.estimator
    print(f"\npelvic drop vs truth ({estimator}): bias {err.mean():+.2f} deg, "
          f"MAE {np.abs(err).mean():.2f}, RMSE {np.sqrt((err ** 2).mean()):.2f}, "
          f"slope {slope:.2f}")
    for mode in sorted(set(modes)):
        m = modes == mode
        print(f"  {mode:8s} n={m.sum():2d} bias {err[m].mean():+.2f} "
              f"MAE {np.abs(err[m]).mean():.2f}")
    assert np.abs(err).mean() <= MAE_BOUND_DEG[Config().measurement.estimator]
