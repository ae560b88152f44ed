"""Markerless against marker pelvic drop over many results (Bland-Altman agreement).

Reads ``result.json`` files (screening.results). A hold measured with markers has
``"evidence": "markers"``; its ``pelvic_drop_deg.median`` is then the marker drop and
``markerless_pelvic_drop_deg.median`` the markerless one measured on the same hold.
Differences are markerless minus markers, in degrees. Summaries: n, bias (mean
difference), SD (sample), 95 % limits of agreement (bias ± 1.96 SD, Bland & Altman 1986)
and mean absolute error; overall, per view (front/back) and per clothing label.

The summary holds numbers only (no file names, no video), so a clinic can share it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..results import RESULT_JSON, Evidence, Result, ResultReadError, Status, read_result

UNKNOWN = "unknown"
SUMMARY_FORMAT = "pelvic-screen-agreement/1"


@dataclass(frozen=True)
class DropPair:
    """One hold measured both ways."""

    markerless_deg: float
    markers_deg: float
    view: str = UNKNOWN
    clothing: str = UNKNOWN

    @property
    def difference_deg(self) -> float:
        return self.markerless_deg - self.markers_deg


@dataclass(frozen=True)
class AgreementStats:
    n: int
    bias_deg: float | None        # mean(markerless - markers)
    sd_deg: float | None          # sample SD of the differences (n >= 2)
    loa_low_deg: float | None     # bias - 1.96 SD
    loa_high_deg: float | None    # bias + 1.96 SD
    mae_deg: float | None         # mean |markerless - markers|

    def to_dict(self, digits: int = 2) -> dict:
        def r(v):
            return None if v is None else round(v, digits)

        return {"n": self.n, "bias_deg": r(self.bias_deg), "sd_deg": r(self.sd_deg),
                "loa_low_deg": r(self.loa_low_deg), "loa_high_deg": r(self.loa_high_deg),
                "mae_deg": r(self.mae_deg)}


def agreement_stats(pairs: Iterable[DropPair]) -> AgreementStats:
    diffs = np.array([p.difference_deg for p in pairs], dtype=float)
    n = len(diffs)
    if n == 0:
        return AgreementStats(0, None, None, None, None, None)
    bias = float(diffs.mean())
    mae = float(np.abs(diffs).mean())
    if n < 2:
        return AgreementStats(n, bias, None, None, None, mae)
    sd = float(diffs.std(ddof=1))
    return AgreementStats(n, bias, sd, bias - 1.96 * sd, bias + 1.96 * sd, mae)


@dataclass(frozen=True)
class AgreementSummary:
    n_results: int                       # result.json files read
    n_results_with_marker_holds: int
    overall: AgreementStats
    by_view: dict[str, AgreementStats]
    by_clothing: dict[str, AgreementStats]
    messages: list[str] = field(default_factory=list)  # for the user; not in to_dict

    def to_dict(self) -> dict:
        return {
            "format": SUMMARY_FORMAT,
            "difference": "markerless - markers, pelvic drop median per hold, degrees",
            "n_results": self.n_results,
            "n_results_with_marker_holds": self.n_results_with_marker_holds,
            "overall": self.overall.to_dict(),
            "by_view": {k: v.to_dict() for k, v in self.by_view.items()},
            "by_clothing": {k: v.to_dict() for k, v in self.by_clothing.items()},
        }

    def rows(self) -> list[dict]:
        """One row per group (overall, each view, each clothing), for CSV."""
        out = [{"group": "overall", "value": "all", **self.overall.to_dict()}]
        out += [{"group": "view", "value": k, **v.to_dict()} for k, v in self.by_view.items()]
        out += [{"group": "clothing", "value": k, **v.to_dict()}
                for k, v in self.by_clothing.items()]
        return out


def _label(*candidates) -> str:
    for value in candidates:
        if isinstance(value, str) and value.strip():
            return value.strip().lower()
    return UNKNOWN


def pairs_from_result(result: Result, *, clothing: str | None = None) -> list[DropPair]:
    """The marker-measured holds of one result. ``clothing`` overrides the result's own
    ``clothing`` label (a field other tools may add, like ``view`` on a hold)."""
    pairs = []
    for hold in result.holds:
        if hold.evidence is not Evidence.MARKERS or hold.markerless_pelvic_drop is None:
            continue
        markers = hold.pelvic_drop.median_deg
        markerless = hold.markerless_pelvic_drop.median_deg
        if markers is None or markerless is None:
            continue
        view = _label(hold.extra.get("view"), hold.quality.get("view"),
                      result.quality.get("view"), result.extra.get("view"))
        label = _label(clothing, hold.extra.get("clothing"), result.extra.get("clothing"))
        pairs.append(DropPair(markerless, markers, view, label))
    return pairs


def find_results(paths: Iterable[str | Path]) -> tuple[list[Path], list[str]]:
    """``result.json`` files under ``paths`` (a result.json, a result folder, or a
    folder of result folders such as an ``analyze --out`` folder), and a message for
    each path that has none."""
    found: list[Path] = []
    messages: list[str] = []
    for given in paths:
        path = Path(given)
        if path.is_file() and path.name == RESULT_JSON:
            files = [path]
        elif (path / RESULT_JSON).is_file():
            files = [path / RESULT_JSON]
        elif path.is_dir():
            files = sorted(p for p in path.rglob(RESULT_JSON)
                           if not any(part.startswith(".") for part in
                                      p.relative_to(path).parts))
        else:
            messages.append(f"{path}: does not exist.")
            continue
        if not files:
            messages.append(f"{path}: no result.json found. Give result folders written by "
                            "`pelvic-screen analyze` (or its --out folder).")
        found.extend(f for f in files if f not in found)
    return found, messages


def summarise_agreement(pairs: list[DropPair], *, n_results: int = 0,
                        n_results_with_marker_holds: int = 0,
                        messages: list[str] | None = None) -> AgreementSummary:
    by_view: dict[str, list[DropPair]] = {}
    by_clothing: dict[str, list[DropPair]] = {}
    for p in pairs:
        by_view.setdefault(p.view, []).append(p)
        by_clothing.setdefault(p.clothing, []).append(p)
    return AgreementSummary(
        n_results, n_results_with_marker_holds, agreement_stats(pairs),
        {k: agreement_stats(v) for k, v in sorted(by_view.items())},
        {k: agreement_stats(v) for k, v in sorted(by_clothing.items())},
        list(messages or []))


def collect_agreement(paths: Iterable[str | Path], *,
                      clothing: Mapping[str | Path, str] | None = None) -> AgreementSummary:
    """Read every ``result.json`` under ``paths`` and summarise the agreement.

    ``clothing``: ``{folder: label}``; every result under that folder gets the label
    (else the result's own ``clothing`` field, else "unknown"). Problems (no result.json,
    unreadable files, no marker holds) are in ``messages``; this function does not raise
    for them.
    """
    files, messages = find_results(paths)
    labels = {Path(k).resolve(): v for k, v in (clothing or {}).items()}
    pairs: list[DropPair] = []
    n_read = n_with = 0
    for file in files:
        try:
            result = read_result(file)
        except ResultReadError as exc:
            messages.append(f"{file}: could not be read ({exc.message})")
            continue
        n_read += 1
        resolved = file.resolve()
        label = next((v for folder, v in labels.items()
                      if folder == resolved.parent or folder in resolved.parents), None)
        found = pairs_from_result(result, clothing=label)
        if result.status is not Status.OK:
            messages.append(f"{file.parent}: the analysis failed; no holds to compare.")
        elif not found:
            messages.append(f"{file.parent}: no hold was measured with markers (no marker "
                            "evidence in this result).")
        else:
            n_with += 1
        pairs.extend(found)
    return summarise_agreement(pairs, n_results=n_read, n_results_with_marker_holds=n_with,
                               messages=messages)
