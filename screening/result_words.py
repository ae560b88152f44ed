"""The fixed words of a result (:class:`Side`, :class:`Classification`, :class:`Evidence`,
:class:`Status`) and the bands of a pelvic drop (:func:`drop_band`, with the thresholds a
result was decided with: :func:`recorded_thresholds`). screening.results puts a result
together from these and screening.result_parts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import fields
from enum import Enum

from .config import DecisionConfig, recorded_value


class Word(str, Enum):
    """A fixed word of the result. It is its own text: ``str()``, f-strings, ``==`` and
    dictionary keys treat it as the plain string it stands for."""

    __hash__ = str.__hash__

    def __str__(self) -> str:
        return self.value


class Side(Word):
    """An anatomical side: the subject's own left or right."""

    LEFT = "left"
    RIGHT = "right"

    @property
    def other(self) -> Side:
        return Side.RIGHT if self is Side.LEFT else Side.LEFT


class Classification(Word):
    """The verdict of a hold or a side (docs/MEASUREMENT.md)."""

    NEGATIVE = "negative"          # level pelvis: the drop is below negative_below_deg
    BORDERLINE = "borderline"      # within measurement noise, between the two thresholds
    POSITIVE = "positive"          # the drop reached positive_from_deg
    INCONCLUSIVE = "inconclusive"  # the hold could not be measured


class Evidence(Word):
    """What a drop rests on."""

    MARKERS = "markers"        # the printed pelvis markers
    MARKERLESS = "markerless"  # the body landmarks alone
    MIXED = "mixed"            # a side whose measured holds rest on both


class Status(Word):
    OK = "ok"
    ERROR = "error"


def word_value(word: Word | None) -> str | None:
    """A word as JSON: its text, or None."""
    return None if word is None else word.value


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
