"""How far apart two numbers must be before they mean something.

* Each measured drop carries its own typical error: result.json's ``uncertainty_deg`` of
  the hold or side, the held-out error of the evidence it rests on (printed markers or
  the landmarks alone; docs/VALIDATION.md). Results recorded before that field existed
  get the default estimator's (:func:`side_uncertainty_deg`).
* ``SDD_DEG``: the smallest detectable difference of 2-D video pelvic drop, 2.7-2.8 deg
  (Dingenen 2018, Phys Ther Sport 33:40). Two numbers (two sessions, or the two legs of
  one session) differ beyond the noise when they differ by more than this **and** by more
  than their two typical errors combined (:func:`noise_deg`).
"""

from __future__ import annotations

import math

from ..estimators import typical_error_deg

SDD_DEG = 2.8


def side_uncertainty_deg(side: dict | None) -> float:
    """The typical error of a side's drop (``uncertainty_deg`` in result.json), else the
    default estimator's."""
    return typical_error_deg((side or {}).get("uncertainty_deg"))


def noise_deg(a: dict | None, b: dict | None) -> float:
    """How far the drops of sides ``a`` and ``b`` must differ to be told apart."""
    return max(SDD_DEG, math.hypot(side_uncertainty_deg(a), side_uncertainty_deg(b)))


def _median(side: dict | None):
    if not side:
        return None
    return (side.get("pelvic_drop_deg") or {}).get("median")


def side_of(session: dict, stance: str) -> dict | None:
    for side in session.get("sides") or []:
        if side.get("stance_side") == stance:
            return side
    return None


def asymmetry(session: dict) -> dict | None:
    """Left minus right median drop of one session (both legs tested and measured)."""
    left_side, right_side = side_of(session, "left"), side_of(session, "right")
    left, right = _median(left_side), _median(right_side)
    if left is None or right is None:
        return None
    diff = round(left - right, 2)
    noise = round(noise_deg(left_side, right_side), 2)
    return {"left_deg": left, "right_deg": right, "difference_deg": diff,
            "exceeds_noise": abs(diff) > noise, "noise_deg": noise, "sdd_deg": SDD_DEG}


def compare_sessions(before: dict, after: dict) -> list[dict]:
    """Per stance side: the change of the median drop from ``before`` to ``after`` and
    whether it exceeds the noise (:func:`noise_deg`)."""
    rows = []
    for stance in ("left", "right"):
        a_side, b_side = side_of(before, stance), side_of(after, stance)
        a, b = _median(a_side), _median(b_side)
        if a is None and b is None:
            continue
        diff = None if a is None or b is None else round(b - a, 2)
        noise = round(noise_deg(a_side, b_side), 2)
        rows.append({"stance_side": stance, "before_deg": a, "after_deg": b,
                     "difference_deg": diff, "noise_deg": noise,
                     "exceeds_noise": None if diff is None else abs(diff) > noise})
    return rows
