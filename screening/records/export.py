"""The records as CSV: one row per tested side of every session (``pelvic-screen history
--csv`` and the app's download)."""

from __future__ import annotations

import csv
import io

CSV_COLUMNS = ("person", "recorded_at", "source", "input", "stance_side", "classification",
               "pelvic_drop_median_deg", "pelvic_drop_p25_deg", "pelvic_drop_p75_deg",
               "pelvic_drop_peak_deg", "trunk_lean_median_deg", "weak_side", "compensated",
               "n_holds", "asymmetry_left_minus_right_deg", "asymmetry_exceeds_noise",
               "operator", "notes")


def sessions_csv(sessions: list[dict]) -> str:
    """One row per tested side of every session."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for ses in sessions:
        asym = ses.get("asymmetry") or {}
        for side in ses["sides"]:
            drop = side.get("pelvic_drop_deg") or {}
            row = {"person": ses["person"], "recorded_at": ses["recorded_at"],
                   "source": ses["source"], "input": ses["input"],
                   "stance_side": side["stance_side"],
                   "classification": side["classification"],
                   "pelvic_drop_median_deg": drop.get("median"),
                   "pelvic_drop_p25_deg": drop.get("p25"),
                   "pelvic_drop_p75_deg": drop.get("p75"),
                   "pelvic_drop_peak_deg": drop.get("peak"),
                   "trunk_lean_median_deg": (side.get("trunk_lean_deg") or {}).get("median"),
                   "weak_side": side.get("weak_side"), "compensated": side.get("compensated"),
                   "n_holds": side.get("n_holds"),
                   "asymmetry_left_minus_right_deg": asym.get("difference_deg"),
                   "asymmetry_exceeds_noise": asym.get("exceeds_noise"),
                   "operator": ses.get("operator"), "notes": ses.get("notes")}
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return buf.getvalue()
