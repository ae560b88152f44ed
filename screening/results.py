"""The result of one analysed input, typed, with its one reader and its one writer's form.

``result.json`` is the only place where a result is JSON. :meth:`Result.to_document` gives
the document that screening.outputs writes; :func:`read_result` and
:meth:`ResultBundle.from_dir` read a result folder back, validated, for the app, the
printable report, the batch's summary.csv, the history and the records. Everything else
works on the types below.

Schema versions of ``result.json`` (docs/OUTPUTS.md):

* ``2.0``: the detected holds are ``holds`` (a side names its holds in ``holds``), and
  ``missed_holds`` lists the holds the protocol asked for that were not found.
* ``1.0``: the holds were ``tests`` (a side's were ``tests`` too) and a hold that was not
  found was not mentioned. Read as 2.0: the protocol has always asked for both legs, so a
  leg without a hold is listed in ``missed_holds``. Documents without ``schema_version``
  (written by hand or by other tools) are read as 1.0.

Numbers are kept as written (rounded by the analysis); a number that could not be measured
is ``None`` (JSON ``null``), never NaN.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from enum import Enum
from pathlib import Path
from typing import Any

from .config import DecisionConfig, recorded_value
from .errors import ScreeningError
from .jsondoc import REQUIRED, Fields, FormatError, plain
from .timeseries import TimeSeries

SCHEMA_VERSION = "2.0"
RESULT_JSON = "result.json"
TIMESERIES_CSV = "timeseries.csv"
LANDMARKS_NPZ = "landmarks.npz"
ANNOTATED_MP4 = "annotated.mp4"
# the usual file name of each key of result.json's "outputs"
OUTPUT_FILES = {"result": RESULT_JSON, "timeseries": TIMESERIES_CSV,
                "landmarks": LANDMARKS_NPZ, "annotated_video": ANNOTATED_MP4}


# ---------------------------------------------------------------------------------------
# words


class _Word(str, Enum):
    """A fixed word of the result. It is its own text: ``str()``, f-strings, ``==`` and
    dictionary keys treat it as the plain string it stands for."""

    __hash__ = str.__hash__

    def __str__(self) -> str:
        return self.value


class Side(_Word):
    """An anatomical side: the subject's own left or right."""

    LEFT = "left"
    RIGHT = "right"

    @property
    def other(self) -> Side:
        return Side.RIGHT if self is Side.LEFT else Side.LEFT


class Classification(_Word):
    """The verdict of a hold or a side (docs/MEASUREMENT.md)."""

    NEGATIVE = "negative"          # level pelvis: the drop is below negative_below_deg
    BORDERLINE = "borderline"      # within measurement noise, between the two thresholds
    POSITIVE = "positive"          # the drop reached positive_from_deg
    INCONCLUSIVE = "inconclusive"  # the hold could not be measured


class Evidence(_Word):
    """What a drop rests on."""

    MARKERS = "markers"        # the printed pelvis markers
    MARKERLESS = "markerless"  # the body landmarks alone
    MIXED = "mixed"            # a side whose measured holds rest on both


class Status(_Word):
    OK = "ok"
    ERROR = "error"


class ResultReadError(ScreeningError):
    """A result folder or document that cannot be read: missing, not JSON, not a result,
    or written by a newer version."""

    code = "unreadable_result"


# ---------------------------------------------------------------------------------------
# thresholds and bands


def drop_band(drop_deg: float | None, thresholds: DecisionConfig) -> Classification:
    """The band of a pelvic drop: NEGATIVE below ``negative_below_deg``, BORDERLINE from it
    up to ``positive_from_deg``, POSITIVE from ``positive_from_deg`` on; a drop that is
    missing (None or NaN) is INCONCLUSIVE. The one place a drop gets its band."""
    if drop_deg is None or not math.isfinite(drop_deg):
        return Classification.INCONCLUSIVE
    if drop_deg >= thresholds.positive_from_deg:
        return Classification.POSITIVE
    if drop_deg >= thresholds.negative_below_deg:
        return Classification.BORDERLINE
    return Classification.NEGATIVE


def recorded_thresholds(settings: Mapping) -> DecisionConfig:
    """The thresholds a result was decided with, from its own ``config`` (as result.json or
    the records keep it: by section, or flat as earlier versions wrote it). A threshold it
    does not name (a result from before that setting existed) was the default. Raises
    ValueError or TypeError for thresholds that are not usable."""
    return DecisionConfig(**{f.name: recorded_value(settings, f.name)
                             for f in fields(DecisionConfig)})


# ---------------------------------------------------------------------------------------
# the parts of a result


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
            "evidence": _value(self.evidence),
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
            "evidence": _value(self.evidence),
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
            "weak_side": _value(part.weak_side), "clinical_label": part.clinical_label,
            "summary": part.summary, "reasons": list(part.reasons)}


def _verdict_fields(f: Fields, *, required: bool = False) -> dict:
    return {"classification": f.word("classification", Classification,
                                     REQUIRED if required else Classification.INCONCLUSIVE),
            "compensated": f.flag("compensated"), "weak_side": f.word("weak_side", Side, None),
            "clinical_label": f.text("clinical_label", ""), "summary": f.text("summary", ""),
            "reasons": f.texts("reasons")}


# ---------------------------------------------------------------------------------------
# the whole result


_TOP_KEYS = frozenset({"schema_version", "input", "input_sha256", "status", "analysed_at",
                       "reanalysed_from", "error", "model", "estimator", "config",
                       "versions", "video", "quality", "warnings", "holds", "sides",
                       "missed_holds", "outputs"})


@dataclass(frozen=True)
class Result:
    """Everything ``result.json`` says about one input (docs/OUTPUTS.md)."""

    input: str                                # the input as given
    status: Status
    input_sha256: str | None = None
    analysed_at: str | None = None            # ISO 8601 local time with its offset
    # a re-analysis from saved landmarks: when and with what the video was first analysed
    reanalysed_from: Mapping[str, Any] | None = None
    error: Failure | None = None
    model: Mapping[str, Any] | None = None    # path, sha256, source, variant, version
    estimator: str | None = None
    config: Mapping[str, Any] = field(default_factory=dict)  # every setting used
    versions: Mapping[str, str] = field(default_factory=dict)
    video: Mapping[str, Any] | None = None
    quality: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    holds: tuple[HoldResult, ...] = ()
    sides: tuple[SideResult, ...] = ()
    missed_holds: tuple[MissedHold, ...] = ()
    outputs: Mapping[str, str] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)  # e.g. "person" from other tools
    # the schema the result was read from (a result is always written as SCHEMA_VERSION)
    schema_version: str = field(default=SCHEMA_VERSION, compare=False)
    # sha256 of the input's name, sides and holds as stored: tells results apart when
    # there is no input_sha256
    fingerprint: str = field(default="", compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.fingerprint:
            doc = self.to_document()
            object.__setattr__(self, "fingerprint", _fingerprint(
                self.name, doc["sides"], doc["holds"]))

    @property
    def ok(self) -> bool:
        return self.status is Status.OK

    @property
    def name(self) -> str:
        """The input's file name."""
        return Path(self.input or "video").name

    @property
    def thresholds(self) -> DecisionConfig:
        """The thresholds this result was decided with (from its own config; checked when
        the result is read)."""
        return recorded_thresholds(self.config)

    @property
    def person(self) -> str:
        """The optional ``person`` other tools add: a name or id, or a record with one."""
        person = self.extra.get("person")
        if isinstance(person, Mapping):
            person = person.get("name") or person.get("id") or ""
        return "" if person is None else str(person)

    def analysed_time(self) -> dt.datetime | None:
        """``analysed_at`` as a time, None when absent or not ISO 8601."""
        if not self.analysed_at:
            return None
        try:
            return dt.datetime.fromisoformat(self.analysed_at)
        except ValueError:
            return None

    def to_document(self) -> dict:
        """The result.json document (JSON types only; schema SCHEMA_VERSION)."""
        doc = {
            "schema_version": SCHEMA_VERSION,
            "input": self.input,
            "input_sha256": self.input_sha256,
            "status": self.status.value,
            "analysed_at": self.analysed_at,
            **({"reanalysed_from": plain(self.reanalysed_from)} if self.reanalysed_from
               else {}),
            "error": None if self.error is None else self.error.to_document(),
            "model": plain(self.model),
            "estimator": self.estimator,
            "config": plain(self.config),
            "versions": plain(self.versions),
            "video": plain(self.video),
            "quality": plain(self.quality),
            "warnings": list(self.warnings),
            "holds": [h.to_document() for h in self.holds],
            "sides": [s.to_document() for s in self.sides],
            "missed_holds": [m.to_document() for m in self.missed_holds],
            "outputs": plain(self.outputs),
        }
        doc.update({k: plain(v) for k, v in self.extra.items() if k not in doc})
        return doc

    @classmethod
    def from_document(cls, doc, where: str = RESULT_JSON) -> Result:
        """Read a result.json document (any schema this version knows). Raises
        ResultReadError saying what is wrong and where."""
        try:
            return _result_from_document(doc, where)
        except FormatError as exc:
            raise ResultReadError(
                f"{where} is not a result pelvic-screen can read: {exc}.",
                "It was changed by hand or written by another program: analyse the video "
                "again to write a new result.") from None


def _result_from_document(doc, where: str) -> Result:
    f = Fields(doc, "the document")
    version = f.text("schema_version", "1.0")
    major = version.split(".")[0]
    if major not in ("1", "2"):
        if major.isdigit() and int(major) > 2:
            raise ResultReadError(
                f"{where} has result schema {version}, newer than this pelvic-screen "
                f"reads (up to {SCHEMA_VERSION}).",
                "Update pelvic-screen (pip install -U pelvic-screen) to read it.")
        raise FormatError(f"schema_version {version!r} is not a version")
    holds_key = "holds" if major == "2" else "tests"
    holds = tuple(HoldResult.from_document(h, f"{holds_key}[{k}]")
                  for k, h in enumerate(f.items(holds_key)))
    sides = tuple(SideResult.from_document(s, f"sides[{k}]")
                  for k, s in enumerate(f.items("sides")))
    status = f.word("status", Status)
    if major == "2":
        missed = tuple(MissedHold.from_document(m, f"missed_holds[{k}]")
                       for k, m in enumerate(f.items("missed_holds")))
    elif status is Status.OK and (holds or sides):
        # 1.0 did not say it: both legs have always been asked for
        missed = missed_holds([h.stance_side for h in holds] + [s.stance_side for s in sides])
    else:
        missed = ()
    error = doc.get("error")
    model, video = doc.get("model"), doc.get("video")
    first = doc.get("reanalysed_from")
    for key, value in (("model", model), ("video", video), ("reanalysed_from", first)):
        if value is not None and not isinstance(value, Mapping):
            raise FormatError(f"{key} is not an object")
    config = f.mapping("config")
    try:
        recorded_thresholds(config)
    except (TypeError, ValueError) as exc:
        raise FormatError(f"the thresholds in config cannot be used ({exc})") from None
    known = _TOP_KEYS | {holds_key}
    return Result(
        input=f.text("input", ""),
        status=status,
        input_sha256=f.text("input_sha256", None),
        analysed_at=f.text("analysed_at", None),
        reanalysed_from=first,
        error=None if error is None else Failure.from_document(error, "error"),
        model=model,
        estimator=f.text("estimator", None),
        config=config,
        versions=f.mapping("versions"),
        video=video,
        quality=f.mapping("quality"),
        warnings=f.texts("warnings"),
        holds=holds, sides=sides, missed_holds=missed,
        outputs=f.mapping("outputs"),
        extra={k: v for k, v in doc.items() if k not in known and k != "tests"},
        schema_version=version,
        fingerprint=_fingerprint(Path(str(doc.get("input", ""))).name, doc.get("sides"),
                                 doc.get(holds_key)),
    )


def _fingerprint(name: str, sides, holds) -> str:
    return hashlib.sha256(json.dumps([name, sides, holds], sort_keys=True,
                                     default=str).encode()).hexdigest()


# ---------------------------------------------------------------------------------------
# reading a result folder


def read_result(path: str | Path) -> Result:
    """The result of a result folder (or of its result.json). Raises ResultReadError."""
    path = Path(path)
    file = path / RESULT_JSON if path.is_dir() else path
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ResultReadError(f"{file} cannot be read ({exc.strerror or exc}).",
                              "Give a result folder written by `pelvic-screen analyze` (it "
                              f"holds {RESULT_JSON}).", code="missing_result") from None
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise ResultReadError(f"{file} is not valid JSON ({exc}).",
                              "It is damaged or half-written: analyse the video again.") from None
    return Result.from_document(doc, str(file))


@dataclass(frozen=True)
class ResultBundle:
    """One result folder: its result, its time series and its files."""

    result: Result
    timeseries: TimeSeries = field(default_factory=TimeSeries.empty)
    out_dir: Path | None = None
    # problems after the analysis (the printable report, the record), not with the test
    output_problems: tuple[str, ...] = ()
    # decoded key frames and the drawn chart, made once per bundle
    cache: dict = field(default_factory=dict, compare=False, repr=False)
    # where the key frames come from: ``frames_at(times_s)`` gives the frames nearest to
    # those times (RGB, at most 480 px wide, None where there is none); default: decoded
    # from the annotated video (or the input video)
    frames_at: Callable[[list[float]], list] | None = field(default=None, compare=False,
                                                            repr=False)

    @classmethod
    def from_dir(cls, path: str | Path) -> ResultBundle:
        """Read a result folder: result.json and, when there, timeseries.csv. Raises
        ResultReadError."""
        out_dir = Path(path)
        result = read_result(out_dir / RESULT_JSON)
        csv_path = out_dir / TIMESERIES_CSV
        try:
            series = TimeSeries.read_csv(csv_path) if csv_path.is_file() else TimeSeries.empty()
        except (OSError, ValueError) as exc:
            raise ResultReadError(f"{csv_path} cannot be read ({exc}).",
                                  "It is damaged or half-written: analyse the video "
                                  "again.") from None
        return cls(result, series, out_dir)

    @property
    def ok(self) -> bool:
        return self.result.ok

    @property
    def name(self) -> str:
        return self.result.name

    @property
    def holds(self) -> tuple[HoldResult, ...]:
        return self.result.holds

    @property
    def thresholds(self) -> DecisionConfig:
        return self.result.thresholds

    def file(self, key: str) -> Path | None:
        """An output file by its key in ``outputs`` (``annotated_video``, ...), or by its
        usual name in the folder; None when it is not there."""
        value = self.result.outputs.get(key) or OUTPUT_FILES.get(key)
        if value and Path(value).is_absolute() and Path(value).is_file():
            return Path(value)
        if value and self.out_dir is not None and (self.out_dir / Path(value).name).is_file():
            return self.out_dir / Path(value).name
        return None

    def analysed_time(self) -> dt.datetime | None:
        """When the video was analysed: ``analysed_at``, else the time result.json was
        written (local time); None when neither is known."""
        when = self.result.analysed_time()
        if when is not None:
            return when
        if self.out_dir is not None and (self.out_dir / RESULT_JSON).is_file():
            stamp = (self.out_dir / RESULT_JSON).stat().st_mtime
            return dt.datetime.fromtimestamp(stamp).astimezone()
        return None


def _value(word: _Word | None) -> str | None:
    return None if word is None else word.value
