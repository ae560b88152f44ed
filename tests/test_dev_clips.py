"""The real model on the rendered ground-truth clips of ../shared/synthetic/dev: IN-SAMPLE.

These 23 clips were used to fit the camera-only ``leg`` estimator: its two gains (0.671 on
the lowering of the lifted foot, 0.399 on the hip line) are the least-squares fit on 95
clips of the assumed motion, these 23 and 72 own renders (docs/VALIDATION.md, "The leg
estimator"). So the numbers here are a regression check of the shipped pipeline, not a
measure of its accuracy: the held-out numbers are those of ``test_v3`` and ``markers_v3``
in docs/VALIDATION.md (2.86 deg camera-only over realistic motions, 0.12 deg with markers).

Stance side and hold window must match the truth; the pelvic-drop error and the slope of
the measured on the true drop must stay within the bounds their measured values justify.
"""

import json

import numpy as np
import pytest

from screening import Config
from screening.batch import collect_inputs, run_batch

pytestmark = [pytest.mark.model, pytest.mark.shared]

HOLD_TOLERANCE_S = 0.75
# Mean absolute error (deg) of the median drop per hold that the estimator must not exceed
# on these clips: its measured value plus 0.5 deg of slack (leg 1.00 deg,
# validation/results/v3_dev_after.json; hip_line 7.03 deg, docs/MEASUREMENT.md).
MAE_BOUND_DEG = {"hip_line": 7.6, "leg": 1.51}
# Slope of the measured on the true hold-median drop (least squares over the 23 clips).
# leg: 0.90 measured (v3_dev_after.json; 0.92-0.96 for the earlier references of the same
# gains, v3_dev_before.json and dev_leg.json); the fit's standard error is 0.07, so
# 0.80-1.00 is the measured value within about 1.5 standard errors and holds every version
# so far. hip_line: 0.37 measured (docs/MEASUREMENT.md), the same +-0.10.
SLOPE_BOUNDS = {"hip_line": (0.27, 0.47), "leg": (0.80, 1.00)}


@pytest.fixture(scope="module")
def dev_results(shared_dev, tmp_path_factory, model_info):
    out = tmp_path_factory.mktemp("dev")
    outcomes = run_batch(collect_inputs([shared_dev]), out, config=Config(), model=model_info,
                         jobs=2, annotate=False)
    rows = []
    for o in outcomes:
        truth = json.loads(o.input.with_suffix(".json").read_text())
        rows.append((o.input.stem, truth, o.result.to_document()))
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
        assert len(doc["holds"]) == 1, name


def test_stance_side_is_right_on_every_clip(dev_results):
    wrong = [name for name, truth, doc in dev_results
             if doc["holds"][0]["stance_side"] != truth["stance_side"]]
    assert wrong == []


def test_hold_window_within_tolerance(dev_results):
    errors = {}
    for name, truth, doc in dev_results:
        start, end, _ = _truth_hold(truth)
        test = doc["holds"][0]
        errors[name] = (test["hold_start_s"] - start, test["hold_end_s"] - end)
    worst = max(max(abs(a), abs(b)) for a, b in errors.values())
    print(f"\nhold window: worst end error {worst:.2f} s")
    assert worst <= HOLD_TOLERANCE_S, errors


def test_in_sample_pelvic_drop_error_and_slope_do_not_regress(dev_results):
    estimator = Config().measurement.estimator
    true, measured, modes = [], [], []
    for _name, truth, doc in dev_results:
        true.append(_truth_hold(truth)[2])
        measured.append(doc["holds"][0]["pelvic_drop_deg"]["median"])
        modes.append(truth["trunk_mode"])
    true, measured, modes = np.array(true), np.array(measured), np.array(modes)
    err = measured - true
    mae = float(np.abs(err).mean())
    slope = float(np.polyfit(true, measured, 1)[0])
    by_mode = {mode: round(float(np.abs(err[modes == mode]).mean()), 2)
               for mode in sorted(set(modes))}
    numbers = (f"{estimator}: MAE {mae:.2f} deg, bias {err.mean():+.2f} deg, slope "
               f"{slope:.2f}; MAE by trunk mode {by_mode}")
    assert mae <= MAE_BOUND_DEG[estimator], numbers
    low, high = SLOPE_BOUNDS[estimator]
    assert low <= slope <= high, numbers
