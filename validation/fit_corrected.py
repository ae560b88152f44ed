"""Fit the corrected estimator's four coefficients, and score it on clips left out.

    python -m validation.fit_corrected --set /work/shared/synthetic/dev \
        --out validation/results/dev_corrected_lobo.json

Fitting (two ordinary least-squares problems on the cleaned landmarks and the hold the
pipeline detects):
1. start of the hold: ``true - hip_line = lean_gain * lean + lift_gain * knee_lift +
   offset`` over the frames of the reference window;
2. during the hold: ``true(t) - true(ref) = leg_gain * leg_lowering(t)`` (no intercept).

Held-out scores: leave-one-body-out (``--folds body``, default; a body's clips are never
in its own fit, which also holds out the clips' renderer/camera combinations) or
leave-one-clip-out (``--folds clip``). Each fold refits and scores the left-out clips
through the same cleaning, hold detection and hold median as the pipeline.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from screening.config import Config
from screening.estimators import (
    CorrectedEstimator,
    CorrectionCoefficients,
    correction_features,
    leg_lowering_deg,
    reference_window,
)
from screening.phases import detect_holds
from screening.signal import clean_series

from .landmark_cache import DEFAULT_ROOT, raw_landmarks
from .run import format_report, score_set
from .scoring import held_out_scores, scores_document
from .truth import ClipTruth, labelled_clips

REF_WINDOW_S = 0.3


def clip_design(truth: ClipTruth, series, config: Config) -> dict | None:
    """Per-frame fitting rows of one clip (the detected hold best matching the truth)."""
    cleaned = clean_series(series, min_visibility=config.min_visibility,
                           max_gap_s=config.max_gap_fill_s, cutoff_hz=config.lowpass_cutoff_hz)
    holds = [h for h in detect_holds(cleaned, config) if h.baseline is not None]
    if not holds:
        return None
    hold = max(holds, key=lambda h: len(set(range(h.hold_start, h.hold_end))
                                        & set(truth.hold_frames.tolist())))
    f = correction_features(cleaned, hold)
    ref = reference_window(cleaned, hold, REF_WINDOW_S)
    sl = slice(hold.hold_start, hold.hold_end)
    true = truth.drop3d_deg
    return {
        "start_x": np.column_stack([f["lean_deg"][ref], f["knee_lift"][ref],
                                    np.ones(ref.stop - ref.start)]),
        "start_y": true[ref] - f["hip_drop_deg"][ref],
        "hold_x": leg_lowering_deg(f["leg_height"], ref)[sl],
        "hold_y": true[sl] - np.median(true[ref]),
    }


def fit(designs: list[dict]) -> CorrectionCoefficients:
    x = np.vstack([d["start_x"] for d in designs])
    y = np.concatenate([d["start_y"] for d in designs])
    ok = np.all(np.isfinite(x), axis=1) & np.isfinite(y)
    (lean_gain, lift_gain, offset), *_ = np.linalg.lstsq(x[ok], y[ok], rcond=None)
    hx = np.concatenate([d["hold_x"] for d in designs])
    hy = np.concatenate([d["hold_y"] for d in designs])
    ok = np.isfinite(hx) & np.isfinite(hy)
    leg_gain = float(hx[ok] @ hy[ok] / (hx[ok] @ hx[ok]))
    return CorrectionCoefficients(lean_gain=float(lean_gain), lift_gain_deg=float(lift_gain),
                                  offset_deg=float(offset), leg_gain=leg_gain,
                                  ref_window_s=REF_WINDOW_S)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m validation.fit_corrected", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", required=True, type=Path, action="append",
                        help="labelled set to fit on (repeatable)")
    parser.add_argument("--test-set", type=Path,
                        help="also fit on all of --set and score on this set (never fitted on)")
    parser.add_argument("--folds", choices=("body", "clip"), default="body")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--cache-root", type=Path, default=DEFAULT_ROOT)
    args = parser.parse_args(argv)
    config = Config(estimator="corrected")

    clips, series, designs = [], {}, {}
    for set_dir in args.set:
        for truth in labelled_clips(set_dir):
            s = raw_landmarks(truth.video, set_dir.resolve().name, root=args.cache_root)
            clips.append(truth)
            series[truth.name] = s
            designs[truth.name] = clip_design(truth, s, config)
    usable = [c for c in clips if designs[c.name] is not None]
    full = fit([designs[c.name] for c in usable])
    print("fitted on all", len(usable), "clips:", full)

    scores, fold_coefs = held_out_scores(clips, designs, series, config, args.folds, fit,
                                         CorrectedEstimator)
    fold_coefs = {group: c.__dict__ for group, c in fold_coefs.items()}
    print(format_report(scores, f"corrected, leave-one-{args.folds}-out "
                        f"({len(scores)} clips, each scored by a fit without it)"))
    doc = {"fitted_on": [str(s) for s in args.set], "folds": f"leave-one-{args.folds}-out",
           "coefficients_all": full.__dict__, "fold_coefficients": fold_coefs,
           **scores_document(scores)}
    if args.test_set:
        estimator = CorrectedEstimator(full)
        test = score_set(args.test_set, config, estimator, cache_root=args.cache_root)
        print(format_report(test, f"corrected fitted on {args.set}, scored on {args.test_set}"))
        doc["test_set"] = {"set": str(args.test_set), **scores_document(test)}
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(doc, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
