"""Fit the leg estimator's two gains, and score it on clips left out.

    python -m validation.fit_leg --set /work/shared/synthetic/dev \
        --out validation/results/dev_leg_lobo.json

Fitting: for every clip, the detected hold that best matches the truth hold (same
cleaning and hold detection as the pipeline); its hold medians of the two parts --
lifted-leg lowering from the peak reference and the change of the plain hip line since
foot-off -- are the two features, and the median true 3-D drop over the same frames is
the target. One least-squares fit through the origin over the clips gives ``leg_gain``
and ``hip_gain``.

Held-out scores: leave-one-body-out (``--folds body``, default; a body's clips are never
in its own fit) or leave-one-clip-out (``--folds clip``). ``--test-set DIR`` fits on all
of ``--set`` and scores ``DIR``, which is never fitted on.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from screening.config import Config
from screening.estimators import (
    LEG_FIT,
    HipLineEstimator,
    LegCoefficients,
    LegEstimator,
    hip_change_deg,
    lowering_from_peak_deg,
)
from screening.phases import detect_holds
from screening.signal import clean_series

from .landmark_cache import DEFAULT_ROOT, raw_landmarks
from .run import format_report, score_set
from .scoring import held_out_scores, scores_document
from .truth import ClipTruth, labelled_clips


def clip_row(truth: ClipTruth, series, config: Config, template: LegCoefficients
             ) -> tuple[np.ndarray, float] | None:
    """(features, target) of one clip: hold medians of [lowering, hip-line change], true
    drop."""
    cleaned = clean_series(series, min_visibility=config.min_visibility,
                           max_gap_s=config.max_gap_fill_s, cutoff_hz=config.lowpass_cutoff_hz)
    holds = [h for h in detect_holds(cleaned, config) if h.baseline is not None]
    if not holds:
        return None
    t0, t1 = truth.hold_start_s, truth.hold_end_s
    t = cleaned.t_s
    hold = max(holds, key=lambda h: max(0.0, min(t[h.hold_end - 1], t1)
                                        - max(t[h.hold_start], t0)))
    sl = slice(hold.hold_start, hold.hold_end)
    low = lowering_from_peak_deg(cleaned, hold, template)[sl]
    hip = hip_change_deg(HipLineEstimator().drop_deg(cleaned, hold), t, hold, template)[sl]
    if not (np.isfinite(low).any() and np.isfinite(hip).any()):
        return None
    x = np.array([np.nanmedian(low), np.nanmedian(hip)])
    return x, float(np.median(truth.drop3d_deg[sl]))


def fit(rows: list[tuple[np.ndarray, float]], template: LegCoefficients) -> LegCoefficients:
    x = np.array([r[0] for r in rows])
    y = np.array([r[1] for r in rows])
    (leg_gain, hip_gain), *_ = np.linalg.lstsq(x, y, rcond=None)
    return replace(template, leg_gain=float(leg_gain), hip_gain=float(hip_gain))


def _coef_dict(c: LegCoefficients) -> dict:
    d = asdict(c)
    d["points"] = list(c.points)
    return d


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m validation.fit_leg", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", required=True, type=Path, action="append",
                        help="labelled set to fit on (repeatable)")
    parser.add_argument("--test-set", type=Path, action="append", default=[],
                        help="also fit on all of --set and score this set (never fitted on)")
    parser.add_argument("--folds", choices=("body", "clip", "none"), default="body")
    parser.add_argument("--points", default=",".join(LEG_FIT.points),
                        help="lifted-leg landmarks: foot, heel, ankle, knee (comma-separated)")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--cache-root", type=Path, default=DEFAULT_ROOT)
    args = parser.parse_args(argv)
    config = Config(estimator="leg")
    template = replace(LEG_FIT, points=tuple(args.points.split(",")))

    clips, series, rows = [], {}, {}
    for set_dir in args.set:
        for truth in labelled_clips(set_dir):
            s = raw_landmarks(truth.video, set_dir.resolve().name, root=args.cache_root)
            clips.append(truth)
            series[truth.name] = s
            rows[truth.name] = clip_row(truth, s, config, template)
    usable = [c for c in clips if rows[c.name] is not None]
    full = fit([rows[c.name] for c in usable], template)
    print(f"fitted on all {len(usable)} clips of {[str(s) for s in args.set]}: {full}")
    doc = {"fitted_on": [str(s) for s in args.set], "n_fitted": len(usable),
           "coefficients_all": _coef_dict(full)}

    if args.folds != "none":
        scores, fold_coefs = held_out_scores(clips, rows, series, config, args.folds,
                                             lambda r: fit(r, template), LegEstimator)
        fold_coefs = {group: _coef_dict(c) for group, c in fold_coefs.items()}
        print(format_report(scores, f"leg, leave-one-{args.folds}-out "
                            f"({len(scores)} clips, each scored by a fit without it)"))
        doc.update({"folds": f"leave-one-{args.folds}-out", "fold_coefficients": fold_coefs,
                    **scores_document(scores)})

    estimator = LegEstimator(full)
    doc["test_sets"] = {}
    for test_set in args.test_set:
        test = score_set(test_set, config, estimator, cache_root=args.cache_root)
        print(format_report(test, f"leg fitted on {[str(s) for s in args.set]}, "
                            f"scored on {test_set} (never fitted on)"))
        doc["test_sets"][str(test_set)] = scores_document(test)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(doc, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
