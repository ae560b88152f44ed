"""The result of one analysed input, typed, with its one reader and its one writer's form.

``result.json`` is the only place where a result is JSON. :meth:`Result.to_document` gives
the document that screening.outputs writes; :func:`read_result` and
:meth:`ResultBundle.from_dir` read a result folder back, validated, for the app, the
printable report, the batch's summary.csv, the history and the records. Everything else
works on these types: the whole result and its folder here, its parts (a hold, a side, a
missed leg) in screening.result_parts, its words (sides, verdicts, evidence, status) and
the bands of a drop in screening.result_words; every name is importable from here.

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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import DecisionConfig
from .errors import ScreeningError
from .jsondoc import Fields, FormatError, plain
from .result_parts import (
    DropStats,
    Failure,
    HoldResult,
    MissedHold,
    Problem,
    SideResult,
    missed_hold,
    missed_holds,
)
from .result_words import (
    Classification,
    Evidence,
    Side,
    Status,
    drop_band,
    recorded_thresholds,
)
from .timeseries import TimeSeries

__all__ = ["ANNOTATED_MP4", "LANDMARKS_NPZ", "OUTPUT_FILES", "RESULT_JSON", "SCHEMA_VERSION",
           "TIMESERIES_CSV", "Classification", "DropStats", "Evidence", "Failure", "HoldResult",
           "MissedHold", "Problem", "Result", "ResultBundle", "ResultReadError", "Side",
           "SideResult", "Status", "drop_band", "missed_hold", "missed_holds", "read_result",
           "recorded_thresholds"]

SCHEMA_VERSION = "2.0"
RESULT_JSON = "result.json"
TIMESERIES_CSV = "timeseries.csv"
LANDMARKS_NPZ = "landmarks.npz"
ANNOTATED_MP4 = "annotated.mp4"
# the usual file name of each key of result.json's "outputs"
OUTPUT_FILES = {"result": RESULT_JSON, "timeseries": TIMESERIES_CSV,
                "landmarks": LANDMARKS_NPZ, "annotated_video": ANNOTATED_MP4}


class ResultReadError(ScreeningError):
    """A result folder or document that cannot be read: missing, not JSON, not a result,
    or written by a newer version."""

    code = "unreadable_result"


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
