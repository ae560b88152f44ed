"""Plain JSON values: turning data into JSON types, and reading a JSON object with errors
that name the key and where it is (``holds[0].stance_side is text ('up'), not one of
left, right``)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from enum import Enum
from pathlib import Path

import numpy as np


def plain(value):
    """``value`` as JSON types: NaN and infinities become None, numpy scalars Python
    numbers, tuples lists, words their text."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, np.generic):
        return plain(value.item())
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def rounded(value, digits: int = 2) -> float | None:
    """A number as a result keeps it: rounded to ``digits``, None when it is missing (None,
    NaN or infinite)."""
    return None if value is None or not np.isfinite(value) else round(float(value), digits)


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class FormatError(ValueError):
    """A JSON document that does not have the shape expected; says what and where."""


REQUIRED = object()


class Fields:
    """One JSON object being read; errors name the key and where it is."""

    def __init__(self, value, where: str) -> None:
        if not isinstance(value, Mapping):
            raise FormatError(f"{where} is {kind(value)}, not an object")
        self.value = value
        self.where = where

    def _get(self, key: str, default):
        if key in self.value and self.value[key] is not None:
            return self.value[key]
        if default is REQUIRED:
            raise FormatError(f"{self.where} has no {key!r}")
        return default

    def _bad(self, key: str, expected: str, got) -> FormatError:
        return FormatError(f"{self.where}.{key} is {kind(got)} ({got!r:.40}), not "
                           f"{expected}")

    def text(self, key: str, default=REQUIRED):
        value = self._get(key, default)
        if value is default:
            return value
        if not isinstance(value, str):
            raise self._bad(key, "text", value)
        return value

    def number(self, key: str, *, required: bool = False) -> float | None:
        value = self._get(key, REQUIRED if required else None)
        if value is None:
            return None
        if not is_number(value):
            raise self._bad(key, "a number", value)
        return float(value) if math.isfinite(value) else None

    def flag(self, key: str) -> bool:
        value = self._get(key, False)
        if not isinstance(value, (bool, int)):
            raise self._bad(key, "true or false", value)
        return bool(value)

    def word(self, key: str, words: type[Enum], default=REQUIRED):
        value = self._get(key, default)
        if value is default:
            return value
        try:
            return words(value)
        except ValueError:
            choices = ", ".join(w.value for w in words)
            raise self._bad(key, f"one of {choices}", value) from None

    def mapping(self, key: str) -> dict:
        value = self._get(key, {})
        if not isinstance(value, Mapping):
            raise self._bad(key, "an object", value)
        return dict(value)

    def items(self, key: str) -> list:
        value = self._get(key, [])
        if not isinstance(value, list):
            raise self._bad(key, "a list", value)
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        values = self.items(key)
        if not all(isinstance(v, str) for v in values):
            raise self._bad(key, "a list of texts", values)
        return tuple(values)


def kind(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__
