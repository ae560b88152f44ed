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
(screening.setting). The validation messages, the command-line flags (screening.cli) and
the commented settings file (``pelvic-screen config --print``, :func:`to_toml`) are
all made from them, so none of them can drift from the defaults; a help text that names a
constant of the code is made from it. Setting names are unique across sections, so a flag
or a :meth:`Config.with_changes` keyword needs no section.

Where the values come from, lowest first: the defaults here < a TOML file
(``--config FILE``, :func:`read_config_file`) < command-line flags. docs/CONFIG.md describes
the file.

The sections and where their defaults come from: screening.config_sections.
"""

from __future__ import annotations

import difflib
import sys
import textwrap
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .config_sections import (
    ANALYSIS_SECTIONS,
    ESTIMATOR_NAMES,
    SECTIONS,
    STEADY_SETTLE_S,
    STEADY_STILL_TORSO,
    DecisionConfig,
    MeasurementConfig,
    OutputsConfig,
    PhasesConfig,
    RecordingConfig,
    SignalConfig,
    VideoConfig,
)
from .errors import ConfigError
from .setting import SettingInfo, section_settings, setting

__all__ = ["ANALYSIS_SECTIONS", "ESTIMATOR_NAMES", "SECTIONS", "STEADY_SETTLE_S",
           "STEADY_STILL_TORSO", "Config", "DecisionConfig", "MeasurementConfig",
           "OutputsConfig", "PhasesConfig", "RecordingConfig", "SettingInfo", "SignalConfig",
           "VideoConfig", "flag_changes", "read_config_file", "recorded_config",
           "recorded_value", "section_settings", "setting", "settings", "to_toml"]


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
