"""How far apart two numbers must be before they mean something.

* ``DROP_UNCERTAINTY_DEG``: the band drawn around every measured drop. It is the markerless
  held-out error of the default estimator (mean absolute error 0.93-0.96 deg on rendered
  clips never used for its fit, docs/VALIDATION.md), rounded to 1.0 deg. Update it when
  the measurement work gives a better number.
* ``SDD_DEG``: the smallest detectable difference of 2-D video pelvic drop, 2.7-2.8 deg
  (Dingenen 2018, Phys Ther Sport 33:40). Two sessions (or the two legs of one session)
  that differ by more than this differ beyond the noise of repeated measurements.
"""

from __future__ import annotations

DROP_UNCERTAINTY_DEG = 1.0
SDD_DEG = 2.8


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
    left, right = _median(side_of(session, "left")), _median(side_of(session, "right"))
    if left is None or right is None:
        return None
    diff = round(left - right, 2)
    return {"left_deg": left, "right_deg": right, "difference_deg": diff,
            "exceeds_noise": abs(diff) > SDD_DEG, "sdd_deg": SDD_DEG}


def compare_sessions(before: dict, after: dict) -> list[dict]:
    """Per stance side: the change of the median drop from ``before`` to ``after`` and
    whether it exceeds the smallest detectable difference."""
    rows = []
    for stance in ("left", "right"):
        a, b = _median(side_of(before, stance)), _median(side_of(after, stance))
        if a is None and b is None:
            continue
        diff = None if a is None or b is None else round(b - a, 2)
        rows.append({"stance_side": stance, "before_deg": a, "after_deg": b,
                     "difference_deg": diff,
                     "exceeds_noise": None if diff is None else abs(diff) > SDD_DEG})
    return rows
