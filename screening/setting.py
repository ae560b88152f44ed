"""One setting of the configuration: a dataclass field that carries its unit, accepted
range and help text (:func:`setting`), what the flags, the settings file and the messages
see of it (:class:`SettingInfo`), and the base of the sections (:class:`Section`), which
checks every field when a section is made. The sections themselves are in
screening.config.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

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


class Section:
    """The base of the sections: every field is checked against its metadata when a
    section is made. ``section``: the section's name (its TOML table)."""

    section: ClassVar[str] = ""

    def __post_init__(self) -> None:
        for info in section_settings(type(self)):
            object.__setattr__(self, info.name, info.checked(getattr(self, info.name)))


def section_settings(cls: type) -> tuple[SettingInfo, ...]:
    """The settings of one section class."""
    section = getattr(cls, "section", "") or cls.__name__
    return tuple(SettingInfo(section=section, name=f.name, type=_TYPES[str(f.type)],
                             default=f.default, **f.metadata) for f in fields(cls))
