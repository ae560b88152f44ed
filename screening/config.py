"""One typed, immutable configuration, in one section per pipeline stage. Its resolved
values go into every result (``result.json`` "config", in the same sections).

Sections (each a frozen dataclass, and a table of the TOML settings file):

* ``video``       reading the video and finding the pose (:class:`VideoConfig`)
* ``recording``   whole-recording checks (:class:`RecordingConfig`)
* ``signal``      cleaning the landmark series (:class:`SignalConfig`)
* ``phases``      lift, hold and two-leg baseline; the protocol (:class:`PhasesConfig`)
* ``measurement`` the drop estimator and what it may read (:class:`MeasurementConfig`)
* ``decision``    thresholds of the verdict (:class:`DecisionConfig`)
* ``outputs``     the annotated video (:class:`OutputsConfig`)

Every setting carries its unit, accepted range and help text in its field's metadata
(:func:`setting`). The validation messages, the command-line flags (screening.cli) and the
commented settings file (``pelvic-screen config --print``, :func:`to_toml`) are all made
from them, so none of them can drift from the defaults. Setting names are unique across
sections, so a flag or a :meth:`Config.with_changes` keyword needs no section.

Where the values come from, lowest first: the defaults here < a TOML file
(``--config FILE``, :func:`read_config_file`) < command-line flags. docs/CONFIG.md
describes the file.

Defaults and where they come from (docs/MEASUREMENT.md explains each):

* ``negative_below_deg`` = 2.0 and ``positive_from_deg`` = 4.0: the smallest detectable
  difference of 2-D video pelvic drop is 2.7-2.8 deg (Dingenen 2018, Phys Ther Sport
  33:40) and the goniometer MDC in Trendelenburg stance is 4 deg (Youdas 2007, J Sport
  Rehabil 16:326). Below 2 deg a drop cannot be told from a level pelvis; from 4 deg it
  exceeds the MDC; between the two the result is ``borderline``.
* ``compensation_lean_deg`` = 5.0: a trunk lean toward the stance side beyond what
  posture noise explains hides a drop (compensated Trendelenburg).
* ``standard_hold_s`` = 30: the standard single-leg stance (Hardcastle & Nade 1985).
* ``lowpass_cutoff_hz`` = 5.0: zero-phase low-pass, within the usual 4-6 Hz of gait tools.
* ``max_pose_fps`` = 15: the drop is low-passed at 5 Hz, so 15 samples a second keep all
  of it; on 30 fps video this halves the pose model's work (docs/BENCHMARK.md and
  docs/VALIDATION.md measure it).
* ``steady_pose_fps`` = 5: where nothing moves (the two-leg baseline, the hold) the pose
  model sees 5 frames a second and the frames between are interpolated; the lift and the
  lowering get every frame under ``max_pose_fps`` (screening.pose.rate; docs/BENCHMARK.md
  and docs/VALIDATION.md measure it).
"""

from __future__ import annotations

import difflib
import math
import sys
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .errors import ConfigError

# The names in screening.estimators.ESTIMATORS (a test keeps them equal). Kept here so that
# the settings and ``--help`` need neither numpy nor scipy.
ESTIMATOR_NAMES = ("hip_line", "leg")

_TYPES = {"float": float, "int": int, "bool": bool, "str": str}
# units named in words after a range ("from 0 to 1 (fraction)"), not as a unit symbol
_DIMENSIONLESS = ("fraction", "ratio", "grey level")


def setting(default: Any, *, unit: str, help: str, low: float | None = None,
            high: float | None = None, choices: tuple[str, ...] = (),
            aliases: tuple[str, ...] = ()) -> Any:
    """A configuration field: its default, unit, help text and accepted range (``low`` to
    ``high``, inclusive) or ``choices``. ``aliases``: further command-line flags (names
    kept from earlier versions)."""
    return field(default=default, metadata={
        "unit": unit, "help": help, "low": low, "high": high, "choices": tuple(choices),
        "aliases": tuple(aliases)})


@dataclass(frozen=True)
class SettingInfo:
    """One setting as the flags, the file and the messages see it."""

    section: str
    name: str
    type: type          # float, int, bool or str
    default: Any
    unit: str
    help: str
    low: float | None
    high: float | None
    choices: tuple[str, ...]
    aliases: tuple[str, ...]

    @property
    def key(self) -> str:
        """``section.name``, as in the TOML file."""
        return f"{self.section}.{self.name}"

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    def accepted(self) -> str:
        """The accepted values in words, with the unit."""
        if self.type is bool:
            return "true or false"
        if self.choices:
            return "one of " + ", ".join(self.choices)
        kind = f"a {self.unit} " if self.unit in _DIMENSIONLESS else ""
        unit = f" {self.unit}" if self.unit and not kind else ""
        if self.low is not None and self.high is not None:
            return f"{kind}from {self.low:g} to {self.high:g}{unit}"
        if self.low is not None:
            return f"{kind}at least {self.low:g}{unit}"
        if self.high is not None:
            return f"{kind}at most {self.high:g}{unit}"
        return f"{kind or 'a number '}{unit}".strip()

    def checked(self, value: Any) -> Any:
        """``value`` as this setting stores it (an int for a float setting becomes a
        float); raises TypeError or ValueError naming the setting and what it accepts."""
        what = f"{self.key} ({self.help})"
        if self.type is bool:
            if not isinstance(value, bool):
                raise TypeError(f"{what} must be true or false, got {value!r}")
            return value
        if self.type is str:
            if not isinstance(value, str):
                raise TypeError(f"{what} must be text, {self.accepted()}; got {value!r}")
            if self.choices and value not in self.choices:
                raise ValueError(f"{what} must be {self.accepted()}; got {value!r}")
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"{what} must be a number, {self.accepted()}; got {value!r}")
        if self.type is int:
            if isinstance(value, float) and not value.is_integer():
                raise TypeError(f"{what} must be a whole number, {self.accepted()}; "
                                f"got {value!r}")
            value = int(value)
        else:
            value = float(value)
        if (not math.isfinite(value) or (self.low is not None and value < self.low)
                or (self.high is not None and value > self.high)):
            raise ValueError(f"{what} must be {self.accepted()}; got {value:g}")
        return value


class _Section:
    """Validation shared by the sections: every field is checked against its metadata."""

    def __post_init__(self) -> None:
        for info in section_settings(type(self)):
            object.__setattr__(self, info.name, info.checked(getattr(self, info.name)))


def section_settings(cls: type) -> tuple[SettingInfo, ...]:
    """The settings of one section class."""
    section = _SECTION_NAMES.get(cls, cls.__name__)
    return tuple(SettingInfo(section=section, name=f.name, type=_TYPES[str(f.type)],
                             default=f.default, **f.metadata) for f in fields(cls))


@dataclass(frozen=True)
class VideoConfig(_Section):
    """Reading the video and finding the pose. A re-analysis from saved landmarks keeps
    these: the landmarks were found with them."""

    max_duration_s: float = setting(
        900.0, unit="s", low=1.0, high=86400.0, aliases=("--max-duration",),
        help="longest video accepted")
    max_long_side_px: int = setting(
        960, unit="px", low=64, high=8192,
        help="frames are scaled down to this long side for the pose model (which itself "
        "sees 256x256)")
    max_pose_fps: float = setting(
        15.0, unit="frames/s", low=0.0, high=1000.0,
        help="pose frames per second at most, 0 = every frame")
    steady_pose_fps: float = setting(
        5.0, unit="frames/s", low=0.0, high=1000.0,
        help="pose frames per second where nothing moves (after half a second in which no "
        "hip, knee or ankle moved more than 0.02 torso lengths; the frames between "
        "are interpolated), 0 = max_pose_fps throughout")
    mirrored: bool = setting(
        False, unit="", help="the video is mirrored (selfie view): left and right are swapped")

    @property
    def pose_interval_s(self) -> float:
        """Shortest time between two frames the pose model sees (0 = every frame)."""
        return 1.0 / self.max_pose_fps if self.max_pose_fps > 0 else 0.0

    @property
    def steady_pose_interval_s(self) -> float:
        """Shortest time between two posed frames where nothing moves (0 = no steady rate,
        also when it would not be below ``max_pose_fps``), see screening.pose.rate."""
        if self.steady_pose_fps <= 0 or (0 < self.max_pose_fps <= self.steady_pose_fps):
            return 0.0
        return 1.0 / self.steady_pose_fps


@dataclass(frozen=True)
class RecordingConfig(_Section):
    """Whole-recording checks: a recording failing one cannot be measured at all."""

    min_duration_s: float = setting(1.5, unit="s", low=0.0, high=600.0,
                                    help="shortest recording accepted")
    min_person_fraction: float = setting(
        0.5, unit="fraction", low=0.0, high=1.0,
        help="share of the frames in which the person must be found")
    max_second_person_fraction: float = setting(
        0.2, unit="fraction", low=0.0, high=1.0,
        help="share of the frames with a second person in view beyond which the recording "
        "is refused")
    min_hip_width_px: float = setting(
        20.0, unit="px", low=0.0, high=2000.0,
        help="narrowest hip width (person too small in the picture below it)")
    min_frontal_ratio: float = setting(
        0.22, unit="ratio", low=0.0, high=2.0,
        help="(hip + shoulder width) / (2 x torso length) below which the person is seen "
        "from the side")
    dark_luma: float = setting(
        40.0, unit="grey level", low=0.0, high=255.0,
        help="mean brightness below which a recording without a person is called too dark")


@dataclass(frozen=True)
class SignalConfig(_Section):
    """Cleaning the landmark series: which samples count, gap filling, low-pass filter."""

    min_visibility: float = setting(
        0.5, unit="fraction", low=0.0, high=1.0,
        help="landmark visibility below which a sample is treated as missing")
    max_gap_fill_s: float = setting(
        0.25, unit="s", low=0.0, high=5.0, help="longest gap filled by interpolation")
    lowpass_cutoff_hz: float = setting(
        5.0, unit="Hz", low=0.1, high=30.0, help="zero-phase low-pass cut-off frequency")


@dataclass(frozen=True)
class PhasesConfig(_Section):
    """The lifted foot, the hold and the two-leg baseline; the protocol's durations."""

    lift_threshold_leg: float = setting(
        0.06, unit="leg lengths", low=0.005, high=0.5,
        help="height of an ankle above the other one (less their height difference on two "
        "legs) at which a foot counts as lifted")
    max_two_leg_offset_leg: float = setting(
        0.15, unit="leg lengths", low=0.0, high=0.5,
        help="largest image height difference of the two ankles that is taken for a stance "
        "on two legs (camera roll or yaw, stance width; up to 0.12 seen on rendered clips)")
    min_own_rise_fraction: float = setting(
        0.5, unit="fraction", low=0.0, high=1.0,
        help="share of a lift, where it is highest, that the lifted ankle must have risen "
        "from its place beside the lift (less: the other foot went down the image, a step)")
    max_stance_motion_leg: float = setting(
        0.03, unit="leg lengths", low=0.0, high=0.5,
        help="how much the other ankle may move up or down during a lift (median distance "
        "from its median height; more: both feet moved, a jump)")
    hold_plateau_fraction: float = setting(
        0.75, unit="fraction", low=0.0, high=1.0,
        help="the hold is where the foot is at least this share of its typical lift height")
    min_baseline_s: float = setting(
        0.3, unit="s", low=0.0, high=10.0,
        help="shortest two-leg stance usable as the baseline")
    steady_trim_s: float = setting(
        0.3, unit="s", low=0.0, high=10.0,
        help="time left out at each end of a hold for the per-hold numbers")
    min_hold_s: float = setting(1.5, unit="s", low=0.0, high=600.0,
                                help="shortest hold that is measured (a shorter one is "
                                "inconclusive)")
    standard_hold_s: float = setting(30.0, unit="s", low=1.0, high=600.0,
                                     help="the standard hold; shorter holds get a warning")


@dataclass(frozen=True)
class MeasurementConfig(_Section):
    """The pelvic-drop estimator and what its reading may be trusted for."""

    estimator: str = setting(
        "leg", unit="", choices=ESTIMATOR_NAMES,
        help="markerless pelvic-drop estimator (docs/MEASUREMENT.md)")
    max_markerless_rise_deg: float = setting(
        5.0, unit="deg", low=0.0, high=90.0,
        help="a markerless reading of the lifted side rising more than this is a foot lifted "
        "higher, not a hip hike: the hold is inconclusive")
    time_to_drop_hysteresis_deg: float = setting(
        1.0, unit="deg", low=0.0, high=45.0,
        help="the time-to-drop is when the drop reaches the positive threshold and then "
        "stays above the threshold minus this")


@dataclass(frozen=True)
class DecisionConfig(_Section):
    """Thresholds of the verdict (degrees of pelvic drop, positive = lifted-leg side
    lower)."""

    negative_below_deg: float = setting(
        2.0, unit="deg", low=0.0, high=45.0, aliases=("--negative-below",),
        help="drop below which a hold is negative; between the two thresholds it is "
        "borderline")
    positive_from_deg: float = setting(
        4.0, unit="deg", low=0.0, high=45.0, aliases=("--positive-from",),
        help="drop from which a hold is positive")
    compensation_lean_deg: float = setting(
        5.0, unit="deg", low=0.0, high=45.0,
        help="trunk lean toward the standing leg from which a hold is called compensated")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.negative_below_deg > self.positive_from_deg:
            raise ValueError(
                f"decision.negative_below_deg ({self.negative_below_deg:g} deg) must not be "
                f"more than decision.positive_from_deg ({self.positive_from_deg:g} deg)")


@dataclass(frozen=True)
class OutputsConfig(_Section):
    """The annotated video (the measurement itself does not depend on these)."""

    annotated_long_side_px: int = setting(720, unit="px", low=64, high=8192,
                                          help="long side of the annotated video")
    annotated_max_fps: float = setting(
        15.0, unit="frames/s", low=0.0, high=1000.0,
        help="annotated video frames per second at most, 0 = every frame")

    @property
    def annotated_interval_s(self) -> float:
        """Shortest time between two frames of the annotated video (0 = every frame)."""
        return 1.0 / self.annotated_max_fps if self.annotated_max_fps > 0 else 0.0


SECTIONS: dict[str, type] = {
    "video": VideoConfig, "recording": RecordingConfig, "signal": SignalConfig,
    "phases": PhasesConfig, "measurement": MeasurementConfig, "decision": DecisionConfig,
    "outputs": OutputsConfig,
}
_SECTION_NAMES = {cls: name for name, cls in SECTIONS.items()}
# Sections a re-analysis from saved landmarks can change (the others shaped the landmarks
# or the annotated video, which it keeps).
ANALYSIS_SECTIONS = ("recording", "signal", "phases", "measurement", "decision")


@dataclass(frozen=True)
class Config:
    """Every setting, by section. ``Config()`` is the defaults; change settings with
    :meth:`with_changes` (``Config().with_changes(positive_from_deg=5.0)``)."""

    video: VideoConfig = field(default_factory=VideoConfig)
    recording: RecordingConfig = field(default_factory=RecordingConfig)
    signal: SignalConfig = field(default_factory=SignalConfig)
    phases: PhasesConfig = field(default_factory=PhasesConfig)
    measurement: MeasurementConfig = field(default_factory=MeasurementConfig)
    decision: DecisionConfig = field(default_factory=DecisionConfig)
    outputs: OutputsConfig = field(default_factory=OutputsConfig)

    def __post_init__(self) -> None:
        for name, cls in SECTIONS.items():
            value = getattr(self, name)
            if not isinstance(value, cls):
                raise TypeError(f"Config.{name} must be a {cls.__name__}, "
                                f"got {type(value).__name__}")

    def to_dict(self) -> dict:
        """``{section: {setting: value}}``, as in result.json and the TOML file."""
        return asdict(self)

    def with_changes(self, **changes: Any) -> Config:
        """A copy with settings changed by name (``positive_from_deg=5.0``) or whole
        sections replaced (``decision=DecisionConfig(...)``). Raises TypeError for a name
        that is no setting, ValueError for a value out of range."""
        by_section: dict[str, dict[str, Any]] = {}
        whole = {}
        for name, value in changes.items():
            if name in SECTIONS:
                whole[name] = value
                continue
            info = _BY_NAME.get(name)
            if info is None:
                raise TypeError(f"{name!r} is not a setting{_suggestion(name, _BY_NAME)}")
            by_section.setdefault(info.section, {})[name] = value
        config = replace(self, **whole) if whole else self
        return replace(config, **{section: replace(getattr(config, section), **values)
                                  for section, values in by_section.items()})

    def updated(self, data: Mapping, *, where: str) -> Config:
        """A copy with the settings of ``data`` (``{section: {setting: value}}``, e.g. a
        TOML file's tables) applied. ``where`` names the source in the errors. Raises
        ConfigError for an unknown table or key, a wrong type or a value out of range."""
        hint = ("Run `pelvic-screen config --print` for every table, key, unit and "
                "accepted range (docs/CONFIG.md).")
        if not isinstance(data, Mapping):
            raise ConfigError(f"{where}: the settings must be tables of keys, got "
                              f"{type(data).__name__}.", hint, code="bad_config")
        changes: dict[str, dict[str, Any]] = {}
        for table, values in data.items():
            if table not in SECTIONS:
                if table in _BY_NAME:
                    raise ConfigError(
                        f"{where}: {table} must be inside the [{_BY_NAME[table].section}] "
                        "table.", hint, code="bad_config")
                raise ConfigError(f"{where}: [{table}] is not a table of settings"
                                  f"{_suggestion(table, SECTIONS)}.", hint, code="bad_config")
            if not isinstance(values, Mapping):
                raise ConfigError(f"{where}: {table} must be a table ([{table}]), got "
                                  f"{values!r}.", hint, code="bad_config")
            known = {f.name for f in fields(SECTIONS[table])}
            for key in values:
                if key not in known:
                    other = _BY_NAME.get(key)
                    if other is not None:
                        message = f"{table}.{key} belongs to the [{other.section}] table"
                    else:
                        message = (f"{table}.{key} is not a setting"
                                   + _suggestion(key, known, prefix=f"{table}."))
                    raise ConfigError(f"{where}: {message}.", hint, code="bad_config")
            changes[table] = dict(values)
        try:
            return replace(self, **{table: replace(getattr(self, table), **values)
                                    for table, values in changes.items()})
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{where}: {exc}.", hint, code="bad_config") from None


def settings() -> tuple[SettingInfo, ...]:
    """Every setting, section by section, in the order of :class:`Config`."""
    return tuple(info for cls in SECTIONS.values() for info in section_settings(cls))


_BY_NAME = {info.name: info for info in settings()}
if len(_BY_NAME) != len(settings()):  # flags and with_changes rely on unique names
    raise RuntimeError("two configuration sections have a setting of the same name")


def _suggestion(name: str, known, *, prefix: str = "") -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {prefix}{close[0]}?)" if close else ""


def read_config_file(path: str | Path) -> dict:
    """The tables of a TOML settings file, not yet checked (see :meth:`Config.updated`).
    Raises ConfigError when the file is missing or is not TOML."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10: the same parser, as a package
        import tomli as tomllib

    path = Path(path)
    hint = ("Start from the defaults: `pelvic-screen config --print > FILE` writes every "
            "setting with its unit and range (docs/CONFIG.md).")
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"The settings file {path} does not exist.", hint,
                          code="bad_config") from None
    except IsADirectoryError:
        raise ConfigError(f"The settings file {path} is a folder.", hint,
                          code="bad_config") from None
    except OSError as exc:
        raise ConfigError(f"The settings file {path} cannot be read ({exc.strerror}).",
                          "Check the file's permissions.", code="bad_config") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"The settings file {path} is not valid TOML ({exc}).", hint,
                          code="bad_config") from None


def flag_changes(values: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``{setting name: value}`` (e.g. from flags) as ``{section: {setting: value}}``."""
    out: dict[str, dict[str, Any]] = {}
    for name, value in values.items():
        out.setdefault(_BY_NAME[name].section, {})[name] = value
    return out


# ---------------------------------------------------------------------------------------
# the settings recorded in result.json (this version's sections, or the flat form of
# earlier versions)


def recorded_config(document_config: Any, *, complete: bool = True) -> Config | None:
    """The Config recorded in a result.json ``config``: nested (this version) or flat
    (earlier versions, one level of setting names). None when it cannot be read.

    ``complete``: every setting of this version must be there and nothing else (the
    result was made with exactly these settings), else None. Without it, missing
    settings keep their defaults and unknown ones are left out."""
    if not isinstance(document_config, Mapping):
        return None
    nested: dict[str, dict[str, Any]] = {}
    unknown = False
    for key, value in document_config.items():
        if key in SECTIONS and isinstance(value, Mapping):
            for name, v in value.items():
                if name in _BY_NAME and _BY_NAME[name].section == key:
                    nested.setdefault(key, {})[name] = v
                else:
                    unknown = True
        elif key in _BY_NAME:
            nested.setdefault(_BY_NAME[key].section, {})[key] = value
        else:
            unknown = True
    if complete and (unknown or sum(map(len, nested.values())) != len(_BY_NAME)):
        return None
    try:
        return Config().updated(nested, where="result.json")
    except ConfigError:
        return None


def recorded_value(document_config: Any, name: str) -> Any:
    """One setting of a result.json ``config`` (nested or flat), its default when the
    result does not say."""
    info = _BY_NAME[name]
    if isinstance(document_config, Mapping):
        section = document_config.get(info.section)
        if isinstance(section, Mapping) and name in section:
            return section[name]
        if name in document_config:
            return document_config[name]
    return info.default


# ---------------------------------------------------------------------------------------
# the settings file


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        return str(value)
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _comment(text: str, width: int = 88) -> list[str]:
    import textwrap

    return ["# " + line for line in textwrap.wrap(" ".join(text.split()), width - 2)]


def to_toml(config: Config | None = None) -> str:
    """``config`` (default: the defaults) as a commented TOML settings file: one table per
    section, each key with its help text, unit, accepted range and default."""
    config = config or Config()
    lines = _comment("pelvic-screen analysis settings. Use with `pelvic-screen analyze VIDEO "
                     "--config FILE` (or reanalyse). Every key may be left out: it then keeps "
                     "its default. Flags on the command line win over this file. "
                     "docs/CONFIG.md describes each table.")
    for section, cls in SECTIONS.items():
        lines += ["", f"[{section}]"] + _comment(" ".join((cls.__doc__ or "").split()))
        for info in section_settings(cls):
            value = getattr(getattr(config, section), info.name)
            default = "" if value == info.default else f"; default {_toml_value(info.default)}"
            lines += _comment(f"{info.help} ({info.accepted()}{default})")
            lines.append(f"{info.name} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"
