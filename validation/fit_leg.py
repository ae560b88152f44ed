"""Fit the leg estimator's two gains, and score it on clips left out.

    python -m validation.fit_leg --set ../shared/synthetic/dev \
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

from screening.analysis import analyse_landmarks
from screening.config import Config
from screening.errors import ScreeningError
from screening.estimators import LEG_FIT, LegCoefficients, LegEstimator

from .landmark_cache import DEFAULT_ROOT, raw_landmarks
from .run import format_report, score_set
from .scoring import held_out_scores, scores_document
from .truth import ClipTruth, labelled_clips


def clip_row(truth: ClipTruth, series, config: Config, template: LegCoefficients
             ) -> tuple[np.ndarray, float] | None:
    """(features, target) of one clip: steady-hold medians of [lowering, hip-line change]
    as the shipped estimator computes them, and the true drop over the same frames.

    The hold, its cleaned landmarks and its steady part come from the shipped analysis
    (``analyse_landmarks``), so the fit sees what the pipeline sees."""
    try:
        analysis = analyse_landmarks(series, config)
    except ScreeningError:
        return None
    t0, t1 = truth.hold_start_s, truth.hold_end_s
    tests = [tr for tr in analysis.holds if tr.hold.baseline is not None]
    if not tests:
        return None
    test = max(tests, key=lambda tr: max(0.0, min(tr.hold_end_s, t1) - max(tr.hold_start_s, t0)))
    stream = LegEstimator(template).parts(analysis.cleaned, test.hold)
    if stream is None:
        return None
    t = analysis.cleaned.t_s
    frames = np.flatnonzero((t >= test.steady_start_s) & (t <= test.steady_end_s))
    parts = np.array([stream.parts_deg(analysis.cleaned.xy_px[i]) for i in frames])
    if not np.isfinite(parts).all(axis=1).any():
        return None
    x = np.nanmedian(parts, axis=0)
    frames = frames[frames < len(truth.drop3d_deg)]
    return x, float(np.median(truth.drop3d_deg[frames]))


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
    config = Config().with_changes(estimator="leg")
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
