"""The rows of the app's tables: the batch summary (from typed results) and the History
page's sessions and comparison (from the records' sessions).

Plain functions without Streamlit, so the cells can be tested. In the batch and sessions
tables every cell is text: an empty cell is ``""`` (never "None"), an angle or a time has
one decimal and its unit is in the column's header. A leg the protocol asked for that was
never measured (a :class:`screening.results.MissedHold`) has a row or cells of its own
that say "not measured" and why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from screening.records import asymmetry, compare_sessions
from screening.results import Failure, MissedHold, Result, Side, missed_holds
from screening.wording import CLASS_WORDS

NOT_MEASURED = "not measured"
FAILED = "not analysed"

# batch summary: one row per hold, per leg not measured, or per input that failed
VIDEO, STATUS, STANDING_LEG, RESULT = "video", "status", "standing leg", "result"
DROP, TIME_TO_DROP, TRUNK_LEAN = "pelvic drop (deg)", "time to drop (s)", "trunk lean (deg)"
PROBLEM, HINT = "problem", "how to fix it"
BATCH_COLUMNS = (VIDEO, STATUS, STANDING_LEG, RESULT, DROP, TIME_TO_DROP, TRUNK_LEAN,
                 PROBLEM, HINT)


def one_decimal(value: float | None) -> str:
    """A number as the table shows it: one decimal, or an empty cell."""
    return "" if value is None else f"{value:.1f}"


def signed_one_decimal(value: float | None) -> str:
    """A change or a difference: one decimal with its sign, or an empty cell."""
    return "" if value is None else f"{value:+.1f}"


def batch_rows(results: Iterable[Result]) -> list[dict[str, str]]:
    """The batch summary's rows: for each result its holds, then the legs it did not
    measure (with the reason and what to do), or one row with its error and the fix."""
    rows: list[dict[str, str]] = []
    for result in results:
        base = dict.fromkeys(BATCH_COLUMNS, "") | {VIDEO: result.name,
                                                    STATUS: result.status.value}
        if not result.ok:
            rows.append(base | failure_cells(result.error))
            continue
        for hold in result.holds:
            rows.append(base | {
                STANDING_LEG: hold.stance_side.value,
                RESULT: CLASS_WORDS[hold.classification]
                + (", trunk lean compensated" if hold.compensated else ""),
                DROP: one_decimal(hold.pelvic_drop.median_deg),
                TIME_TO_DROP: one_decimal(hold.time_to_drop_s),
                TRUNK_LEAN: one_decimal(hold.trunk_lean_median_deg),
                PROBLEM: "; ".join(p.message for p in hold.problems),
                HINT: "; ".join(p.hint for p in hold.problems if p.hint)})
        for missed in result.missed_holds:
            rows.append(base | missed_cells(missed))
    return rows


def failure_cells(error: Failure | None) -> dict[str, str]:
    if error is None:
        return {RESULT: FAILED, PROBLEM: "The analysis failed without saying why.",
                HINT: "Analyse the video again; if it fails again, report it."}
    return {RESULT: FAILED, PROBLEM: error.message, HINT: error.hint}


def missed_cells(missed: MissedHold) -> dict[str, str]:
    return {STANDING_LEG: missed.stance_side.value, RESULT: NOT_MEASURED,
            PROBLEM: missed.message, HINT: missed.hint}


def failed_results(results: Iterable[Result]) -> list[Result]:
    """The results that are an error, for the list of problems under the table."""
    return [r for r in results if not r.ok]


# -- History -------------------------------------------------------------------------------

def session_title(ses: Mapping) -> str:
    """``2026-03-01 10:00 · run.mp4 (upload)``, in this computer's time zone."""
    when = dt.datetime.fromisoformat(ses["recorded_at"]).astimezone()
    return f"{when:%Y-%m-%d %H:%M} · {ses['input']} ({ses['source']})"


def session_missed_holds(ses: Mapping) -> tuple[MissedHold, ...]:
    """The legs a recorded session has no result for: the protocol asks for both, so a
    leg without one was not measured (its hold was not found)."""
    return missed_holds(side["stance_side"] for side in ses.get("sides") or [])


def session_rows(sessions: Iterable[Mapping]) -> list[dict[str, str]]:
    """One row per session (one visit), newest first: both legs, the asymmetry, and the
    legs not measured with the reason."""
    rows = []
    for ses in reversed(list(sessions)):
        row = {"date": session_title(ses).split(" · ")[0], "video": ses["input"],
               "source": ses["source"]}
        for side in Side:
            entry = next((e for e in ses["sides"] if e["stance_side"] == side.value), None)
            if entry is None:
                row[f"{side} leg drop (deg)"], row[f"{side} leg result"] = "", NOT_MEASURED
                continue
            row[f"{side} leg drop (deg)"] = one_decimal(entry["pelvic_drop_deg"]["median"])
            row[f"{side} leg result"] = CLASS_WORDS.get(entry["classification"],
                                                        entry["classification"])
        asym = asymmetry(dict(ses))
        row["left - right (deg)"] = "" if asym is None else signed_one_decimal(
            asym["difference_deg"])
        row["asymmetry beyond the noise"] = (
            "" if asym is None else
            f"{'yes' if asym['exceeds_noise'] else 'no'} (noise {asym['noise_deg']:.1f} deg)")
        row["not measured, why"] = " ".join(m.message for m in session_missed_holds(ses))
        rows.append(row)
    return rows


def comparison_rows(before: Mapping, after: Mapping) -> list[dict]:
    """Two sessions per standing leg: the drops, the change and whether it is beyond the
    noise (numbers as the records compare them, rounded to 0.01 deg; a leg neither session
    measured has no row)."""
    rows = []
    for row in compare_sessions(dict(before), dict(after)):
        verdict = ("" if row["exceeds_noise"] is None else
                   "yes: a real change" if row["exceeds_noise"] else "no: within the noise")
        rows.append({"standing leg": row["stance_side"],
                     "earlier drop (deg)": row["before_deg"],
                     "later drop (deg)": row["after_deg"],
                     "change (deg)": row["difference_deg"],
                     "noise (deg)": row["noise_deg"],
                     "beyond the noise?": verdict})
    return rows
