"""The parts of a result, typed, each with its form in ``result.json`` (``to_document``)
and its reader (``from_document``, validated, with errors that name the key): one detected
hold (:class:`HoldResult`), one tested side (:class:`SideResult`), a leg the protocol asked
for that was never measured (:class:`MissedHold`), and what they carry (:class:`Problem`,
:class:`Failure`, :class:`DropStats`). screening.results puts them together.

A side's holds are ``holds`` from schema 2.0 on and were ``tests`` before; both are read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import ScreeningError
from .jsondoc import REQUIRED, Fields, plain
from .result_words import Classification, Evidence, Side, word_value


@dataclass(frozen=True)
class Problem:
    """Why a hold cannot be trusted, and how to fix the recording."""

    code: str
    message: str
    hint: str

    def to_document(self) -> dict:
        return {"code": self.code, "message": self.message, "hint": self.hint}

    @classmethod
    def from_document(cls, entry, where: str) -> Problem:
        f = Fields(entry, where)
        return cls(f.text("code"), f.text("message", ""), f.text("hint", ""))


@dataclass(frozen=True)
class Failure:
    """Why an input has no result: a stable ``code``, a ``message`` and a ``hint``
    (``details``: the traceback of an internal error, for bug reports)."""

    code: str
    message: str
    hint: str = ""
    details: str = ""

    @classmethod
    def of(cls, error: ScreeningError) -> Failure:
        return cls(error.code, error.message, error.hint, error.details)

    def one_line(self) -> str:
        return f"{self.message} Hint: {self.hint}" if self.hint else self.message

    def to_document(self) -> dict:
        doc = {"code": self.code, "message": self.message, "hint": self.hint}
        if self.details:
            doc["details"] = self.details
        return doc

    @classmethod
    def from_document(cls, entry, where: str) -> Failure:
        f = Fields(entry, where)
        return cls(f.text("code", "error"), f.text("message", ""), f.text("hint", ""),
                   f.text("details", ""))


@dataclass(frozen=True)
class DropStats:
    """A pelvic drop over the steady hold (degrees, lifted-leg side lower = positive):
    median, 95th percentile ("peak"), 25th and 75th percentiles."""

    median_deg: float | None
    peak_deg: float | None = None
    p25_deg: float | None = None
    p75_deg: float | None = None

    def to_document(self) -> dict:
        return {"median": self.median_deg, "peak": self.peak_deg, "p25": self.p25_deg,
                "p75": self.p75_deg}

    @classmethod
    def from_document(cls, entry, where: str) -> DropStats:
        f = Fields(entry if entry is not None else {}, where)
        return cls(f.number("median"), f.number("peak"), f.number("p25"), f.number("p75"))


@dataclass(frozen=True)
class HoldResult:
    """One detected single-leg hold: measured, decided and explained."""

    stance_side: Side
    lifted_side: Side
    hold_start_s: float
    hold_end_s: float
    hold_duration_s: float
    classification: Classification
    pelvic_drop: DropStats = DropStats(None)
    steady_start_s: float | None = None  # the steady hold the numbers are measured over
    steady_end_s: float | None = None
    evidence: Evidence | None = None     # None: a result from before evidence was recorded
    uncertainty_deg: float | None = None  # typical error of that evidence (held-out MAE)
    evidence_note: str = ""               # why seen markers were not used
    markerless_pelvic_drop: DropStats | None = None  # with markers: the landmark estimate
    time_to_drop_s: float | None = None
    trunk_lean_median_deg: float | None = None  # toward the stance side = positive
    compensated: bool = False
    weak_side: Side | None = None
    clinical_label: str = ""
    summary: str = ""
    reasons: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()
    quality: Mapping[str, Any] = field(default_factory=dict)  # valid/filled fraction
    extra: Mapping[str, Any] = field(default_factory=dict)    # keys other tools added

    @property
    def measured(self) -> bool:
        return self.classification is not Classification.INCONCLUSIVE

    def to_document(self) -> dict:
        doc = {
            "stance_side": self.stance_side.value,
            "lifted_side": self.lifted_side.value,
            "hold_start_s": self.hold_start_s,
            "hold_end_s": self.hold_end_s,
            "hold_duration_s": self.hold_duration_s,
            "steady_start_s": self.steady_start_s,
            "steady_end_s": self.steady_end_s,
            "evidence": word_value(self.evidence),
            "uncertainty_deg": self.uncertainty_deg,
        }
        if self.evidence_note:
            doc["evidence_note"] = self.evidence_note
        doc["pelvic_drop_deg"] = self.pelvic_drop.to_document()
        if self.markerless_pelvic_drop is not None:
            doc["markerless_pelvic_drop_deg"] = self.markerless_pelvic_drop.to_document()
        doc.update({
            "time_to_drop_s": self.time_to_drop_s,
            "trunk_lean_deg": {"median": self.trunk_lean_median_deg},
            **_verdict_document(self),
            "problems": [p.to_document() for p in self.problems],
            "quality": plain(self.quality),
        })
        doc.update(plain(self.extra))
        return doc

    @classmethod
    def from_document(cls, entry, where: str) -> HoldResult:
        f = Fields(entry, where)
        stance = f.word("stance_side", Side)
        start, end = f.number("hold_start_s", required=True), f.number("hold_end_s",
                                                                        required=True)
        duration = f.number("hold_duration_s")
        markerless = entry.get("markerless_pelvic_drop_deg")
        return cls(
            stance_side=stance,
            lifted_side=f.word("lifted_side", Side, stance.other),
            hold_start_s=start, hold_end_s=end,
            hold_duration_s=duration if duration is not None else round(end - start, 3),
            pelvic_drop=DropStats.from_document(f.mapping("pelvic_drop_deg"),
                                                f"{where}.pelvic_drop_deg"),
            steady_start_s=f.number("steady_start_s"),
            steady_end_s=f.number("steady_end_s"),
            evidence=f.word("evidence", Evidence, None),
            uncertainty_deg=f.number("uncertainty_deg"),
            evidence_note=f.text("evidence_note", ""),
            markerless_pelvic_drop=None if markerless is None else DropStats.from_document(
                markerless, f"{where}.markerless_pelvic_drop_deg"),
            time_to_drop_s=f.number("time_to_drop_s"),
            trunk_lean_median_deg=_median(f, "trunk_lean_deg"),
            problems=tuple(Problem.from_document(p, f"{where}.problems[{k}]")
                           for k, p in enumerate(f.items("problems"))),
            quality=f.mapping("quality"),
            extra={k: v for k, v in entry.items() if k not in _HOLD_KEYS},
            **_verdict_fields(f, required=True),
        )


@dataclass(frozen=True)
class SideResult:
    """All holds on one stance leg together: one verdict per tested side, decided from the
    medians over its measured holds exactly like one hold."""

    stance_side: Side
    lifted_side: Side
    classification: Classification
    hold_indices: tuple[int, ...] = ()   # positions in Result.holds
    n_holds: int = 1
    n_measured: int | None = None        # holds that were not inconclusive
    evidence: Evidence | None = None     # markers, markerless or mixed; None: none measured
    uncertainty_deg: float | None = None  # the largest of its measured holds'
    drop_median_deg: float | None = None
    trunk_lean_median_deg: float | None = None
    compensated: bool = False
    weak_side: Side | None = None
    clinical_label: str = ""
    summary: str = ""
    reasons: tuple[str, ...] = ()

    def to_document(self) -> dict:
        return {
            "stance_side": self.stance_side.value,
            "lifted_side": self.lifted_side.value,
            "holds": list(self.hold_indices),
            "n_holds": self.n_holds,
            "n_measured": self.n_measured,
            "evidence": word_value(self.evidence),
            "uncertainty_deg": self.uncertainty_deg,
            "pelvic_drop_deg": {"median": self.drop_median_deg},
            "trunk_lean_deg": {"median": self.trunk_lean_median_deg},
            **_verdict_document(self),
        }

    @classmethod
    def from_document(cls, entry, where: str) -> SideResult:
        """A side of result.json, or as the records keep it (its holds are ``holds`` from
        schema 2.0 on, ``tests`` before)."""
        f = Fields(entry, where)
        stance = f.word("stance_side", Side)
        indices = tuple(int(i) for i in f.items("holds" if "holds" in entry else "tests"))
        n_holds = f.number("n_holds")
        n_measured = f.number("n_measured")
        return cls(
            stance_side=stance,
            lifted_side=f.word("lifted_side", Side, stance.other),
            hold_indices=indices,
            n_holds=int(n_holds) if n_holds is not None else max(len(indices), 1),
            n_measured=None if n_measured is None else int(n_measured),
            evidence=f.word("evidence", Evidence, None),
            uncertainty_deg=f.number("uncertainty_deg"),
            drop_median_deg=_median(f, "pelvic_drop_deg"),
            trunk_lean_median_deg=_median(f, "trunk_lean_deg"),
            **_verdict_fields(f),
        )


@dataclass(frozen=True)
class MissedHold:
    """A hold the protocol asked for that was never found: that leg was not measured."""

    stance_side: Side
    lifted_side: Side
    message: str
    hint: str

    def to_document(self) -> dict:
        return {"stance_side": self.stance_side.value, "lifted_side": self.lifted_side.value,
                "message": self.message, "hint": self.hint}

    @classmethod
    def from_document(cls, entry, where: str) -> MissedHold:
        f = Fields(entry, where)
        stance = f.word("stance_side", Side)
        default = missed_hold(stance)
        return cls(stance, f.word("lifted_side", Side, stance.other),
                   f.text("message", default.message), f.text("hint", default.hint))


def missed_hold(stance_side: Side) -> MissedHold:
    """The entry for a stance leg that has no hold in the recording."""
    stance, lifted = Side(stance_side), Side(stance_side).other
    return MissedHold(
        stance, lifted,
        f"No hold on the {stance.upper()} leg was found (the {lifted} foot was never "
        f"lifted and held), so the {stance} side was not measured.",
        f"Record the test again and do both sides: stand on both legs for 2-3 s, lift the "
        f"{lifted} foot and hold it (up to 30 s), put it down, then the other foot.")


def missed_holds(stance_sides_held: Iterable[Side | str],
                 asked: Iterable[Side | str] = tuple(Side)) -> tuple[MissedHold, ...]:
    """The legs of ``asked`` (stance sides) that no hold stood on."""
    held = {Side(s) for s in stance_sides_held}
    return tuple(missed_hold(Side(s)) for s in asked if Side(s) not in held)


_VERDICT_KEYS = ("classification", "compensated", "weak_side", "clinical_label", "summary",
                 "reasons")
_HOLD_KEYS = frozenset({
    "stance_side", "lifted_side", "hold_start_s", "hold_end_s", "hold_duration_s",
    "steady_start_s", "steady_end_s", "evidence", "uncertainty_deg", "evidence_note",
    "pelvic_drop_deg", "markerless_pelvic_drop_deg", "time_to_drop_s", "trunk_lean_deg",
    "problems", "quality", *_VERDICT_KEYS})


def _median(f: Fields, key: str) -> float | None:
    """The ``median`` of the object ``f[key]`` (e.g. ``trunk_lean_deg``)."""
    return Fields(f.mapping(key), f"{f.where}.{key}").number("median")


def _verdict_document(part: HoldResult | SideResult) -> dict:
    """The decision's part of a hold's or a side's entry."""
    return {"classification": part.classification.value, "compensated": part.compensated,
            "weak_side": word_value(part.weak_side), "clinical_label": part.clinical_label,
            "summary": part.summary, "reasons": list(part.reasons)}


def _verdict_fields(f: Fields, *, required: bool = False) -> dict:
    return {"classification": f.word("classification", Classification,
                                     REQUIRED if required else Classification.INCONCLUSIVE),
            "compensated": f.flag("compensated"), "weak_side": f.word("weak_side", Side, None),
            "clinical_label": f.text("clinical_label", ""), "summary": f.text("summary", ""),
            "reasons": f.texts("reasons")}
