"""The charts, for the app and the printable report alike (matplotlib ``Figure`` objects,
no pyplot state).

* :func:`drop_and_lean_figure`: one result's pelvic drop and trunk lean over time, the
  holds shaded, the result's own thresholds dashed;
* :func:`trend_figure`: a person's median drop per stance leg over the recorded sessions.
"""

from __future__ import annotations

import datetime as dt
import io

import numpy as np

from .config import DecisionConfig
from .estimators import typical_error_deg
from .results import Classification, ResultBundle, recorded_thresholds

CLASS_COLOURS = {Classification.NEGATIVE: "#1e8c4e", Classification.BORDERLINE: "#c98a00",
                 Classification.POSITIVE: "#c0392b", Classification.INCONCLUSIVE: "#6b6b6b"}
POSITIVE_LINE = {"color": "#c0392b", "ls": "--", "lw": 1}
NEGATIVE_LINE = {"color": "#c98a00", "ls": ":", "lw": 1}
SIDE_COLOURS = {"left": "#2471a3", "right": "#ca6f1e"}


def drop_and_lean_figure(bundle: ResultBundle, *, width_in: float = 8.0,
                         height_in: float = 4.2):
    """Pelvic drop and trunk lean over time, hold windows shaded, thresholds dashed."""
    from matplotlib.figure import Figure

    ts = bundle.timeseries
    thresholds = bundle.thresholds
    fig = Figure(figsize=(width_in, height_in))
    # fixed margins for the two-line axis labels and the ticks (in inches, so any size
    # keeps them): a constrained layout would measure every text first, a quarter of the
    # chart's drawing time
    fig.subplots_adjust(left=0.85 / width_in, right=1 - 0.12 / width_in,
                        bottom=0.42 / height_in, top=1 - 0.2 / height_in, hspace=0.12)
    ax_drop, ax_lean = fig.subplots(2, 1, sharex=True)
    t = ts.t_s
    for k, hold in enumerate(bundle.holds):
        colour = CLASS_COLOURS[hold.classification]
        for ax in (ax_drop, ax_lean):
            ax.axvspan(hold.hold_start_s, hold.hold_end_s, color=colour, alpha=0.12, lw=0)
        ax_drop.text((hold.hold_start_s + hold.hold_end_s) / 2, 1.0,
                     f"hold on {hold.stance_side} leg", transform=ax_drop.get_xaxis_transform(),
                     ha="center", va="bottom", fontsize=8, color=colour)
        if len(t):
            mine = ts.hold_index == k
            # the drop is measured only during the hold (NaN elsewhere): the lift and the
            # lowering are drawn as transitions, not as a drop
            ax_drop.plot(t[mine], ts.pelvic_drop_deg[mine], color=colour, lw=1.6)
            ax_lean.plot(t[mine], ts.trunk_lean_deg[mine], color=colour, lw=1.2)
            for name, label in (("lift", "lift"), ("lower", "lowering")):
                moving = mine & (ts.phase == name)
                if moving.any():
                    ax_drop.axvspan(float(t[moving].min()), float(t[moving].max()),
                                    color="#888888", alpha=0.18, lw=0, hatch="//")
                    ax_drop.text(float(t[moving].mean()), 0.02, label, fontsize=6,
                                 color="#555555", ha="center", va="bottom",
                                 transform=ax_drop.get_xaxis_transform())
    _threshold_lines(ax_drop, thresholds)
    ax_drop.axhline(0, color="#999999", lw=0.6)
    ax_drop.set_ylabel("pelvic drop (deg)\nlifted side lower +", fontsize=8)
    ax_drop.legend(fontsize=7, loc="upper left", frameon=False)
    lean_limit = thresholds.compensation_lean_deg
    ax_lean.axhline(lean_limit, color="#7d3c98", ls="--", lw=1,
                    label=f"compensation from {lean_limit:g} deg")
    ax_lean.axhline(0, color="#999999", lw=0.6)
    ax_lean.set_ylabel("trunk lean (deg)\ntoward stance leg +", fontsize=8)
    ax_lean.set_xlabel("time in the video (s)", fontsize=8)
    ax_lean.legend(fontsize=7, loc="upper left", frameon=False)
    for ax in (ax_drop, ax_lean):
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.25)
    if len(t):
        ax_lean.set_xlim(float(np.nanmin(t)), float(np.nanmax(t)))
    return fig


def trend_figure(sessions: list[dict]):
    """Median pelvic drop per stance side over time, each with its own uncertainty (the
    typical error of what it rests on: markers or the landmarks alone) as a band and error
    bars, and the threshold lines of the latest session.

    ``sessions``: as screening.records gives them (oldest first)."""
    import matplotlib.dates as mdates
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 3.2), layout="constrained")
    ax = fig.subplots()
    times = []
    for side in ("left", "right"):
        xs, ys, us = [], [], []
        for ses in sessions:
            for entry in ses["sides"]:
                drop = (entry.get("pelvic_drop_deg") or {}).get("median")
                if entry["stance_side"] == side and drop is not None:
                    xs.append(dt.datetime.fromisoformat(ses["recorded_at"]))
                    ys.append(drop)
                    us.append(typical_error_deg(entry.get("uncertainty_deg")))
        times += xs
        if xs:
            lo = [y - u for y, u in zip(ys, us, strict=True)]
            hi = [y + u for y, u in zip(ys, us, strict=True)]
            ax.fill_between(xs, lo, hi, color=SIDE_COLOURS[side], alpha=0.15, lw=0)
            ax.errorbar(xs, ys, yerr=us, fmt="none", ecolor=SIDE_COLOURS[side],
                        alpha=0.6, capsize=3)   # visible with a single session too
            ax.plot(xs, ys, marker="o", color=SIDE_COLOURS[side],
                    label=f"standing on {side} leg")
    latest = sessions[-1].get("thresholds") or {} if sessions else {}
    _threshold_lines(ax, recorded_thresholds(latest))
    ax.set_ylabel("pelvic drop (deg)")
    ax.legend(fontsize=8, frameon=False)
    ax.grid(alpha=0.25)
    if times:
        span = max(times) - min(times)
        pad = max(span * 0.08, dt.timedelta(hours=12))
        ax.set_xlim(min(times) - pad, max(times) + pad)
    locator = mdates.AutoDateLocator(maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    return fig


def _threshold_lines(ax, thresholds: DecisionConfig) -> None:
    ax.axhline(thresholds.positive_from_deg, **POSITIVE_LINE,
               label=f"positive from {thresholds.positive_from_deg:g} deg")
    ax.axhline(thresholds.negative_below_deg, **NEGATIVE_LINE,
               label=f"level below {thresholds.negative_below_deg:g} deg")


def figure_png(fig, dpi: int = 110) -> bytes:
    buf = io.BytesIO()
    # light compression: a few kB more, several times faster than the default
    fig.savefig(buf, format="png", dpi=dpi, pil_kwargs={"compress_level": 1})
    return buf.getvalue()


def chart_png(bundle: ResultBundle) -> bytes:
    """The chart of :func:`drop_and_lean_figure` as PNG, drawn once per bundle for both
    reports."""
    if "chart_png" not in bundle.cache:
        bundle.cache["chart_png"] = figure_png(drop_and_lean_figure(
            bundle, width_in=7.6, height_in=2.9), dpi=150)
    return bundle.cache["chart_png"]
