"""The per-frame time series of a result (``timeseries.csv``), typed.

One row per analysed frame. Missing numbers are NaN; ``pelvic_drop_deg`` is given only
during a hold, where it is measured. The analysis makes it, screening.outputs writes it
and :meth:`TimeSeries.read_csv` reads it back.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# (field, column of timeseries.csv, kind): the columns in the file's order
_SERIES_COLUMNS = (
    ("t_s", "t_s", "number"),
    ("phase", "phase", "text"),                  # double / lift / hold / lower / no_person
    ("lifted_side", "lifted_side", "text"),      # "" outside a lift
    # position in Result.holds, -1 outside a lift (the column keeps its 1.0 name)
    ("hold_index", "test_index", "index"),
    ("hip_obliquity_deg", "hip_obliquity_deg", "number"),
    ("pelvic_drop_deg", "pelvic_drop_deg", "number"),
    ("trunk_lean_deg", "trunk_lean_deg", "number"),
    ("lift_left_leg", "lift_left_leg", "number"),
    ("lift_right_leg", "lift_right_leg", "number"),
    ("person_found", "person_found", "flag"),
    ("landmarks_filled", "landmarks_filled", "flag"),
    ("left_hip_x_px", "left_hip_x_px", "number"),
    ("left_hip_y_px", "left_hip_y_px", "number"),
    ("right_hip_x_px", "right_hip_x_px", "number"),
    ("right_hip_y_px", "right_hip_y_px", "number"),
)


@dataclass(frozen=True, eq=False)
class TimeSeries:
    """One row per analysed frame (docs/OUTPUTS.md, timeseries.csv). Missing numbers are
    NaN; ``pelvic_drop_deg`` is given only during a hold, where it is measured."""

    t_s: np.ndarray
    phase: np.ndarray            # text
    lifted_side: np.ndarray      # text
    hold_index: np.ndarray       # int
    hip_obliquity_deg: np.ndarray
    pelvic_drop_deg: np.ndarray
    trunk_lean_deg: np.ndarray
    lift_left_leg: np.ndarray    # ankle height over the other, in leg lengths
    lift_right_leg: np.ndarray
    person_found: np.ndarray     # bool
    landmarks_filled: np.ndarray  # bool
    left_hip_x_px: np.ndarray
    left_hip_y_px: np.ndarray
    right_hip_x_px: np.ndarray
    right_hip_y_px: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.t_s)
        for name, _, kind in _SERIES_COLUMNS:
            value = np.asarray(getattr(self, name), dtype=_DTYPES[kind])
            if value.shape != (n,):
                raise ValueError(f"TimeSeries.{name} must have one value per frame: "
                                 f"expected shape ({n},), got {value.shape}")
            object.__setattr__(self, name, value)

    def __len__(self) -> int:
        return len(self.t_s)

    def __bool__(self) -> bool:
        return len(self) > 0

    def __eq__(self, other) -> bool:
        if not isinstance(other, TimeSeries):
            return NotImplemented
        return all(np.array_equal(getattr(self, n), getattr(other, n),
                                  equal_nan=kind == "number")
                   for n, _, kind in _SERIES_COLUMNS)

    @classmethod
    def empty(cls) -> TimeSeries:
        return cls(**{name: np.empty(0, dtype=_DTYPES[kind])
                      for name, _, kind in _SERIES_COLUMNS})

    def columns(self) -> dict[str, np.ndarray]:
        """The columns of timeseries.csv, in order."""
        return {column: getattr(self, name) for name, column, _ in _SERIES_COLUMNS}

    @classmethod
    def read_csv(cls, path: str | Path) -> TimeSeries:
        """``timeseries.csv`` back into columns: empty cells are NaN. Raises ValueError for
        a file that is not one."""
        with open(path, newline="") as f:
            rows = list(csv.reader(f))
        if not rows:
            return cls.empty()
        header, body = rows[0], rows[1:]
        where = {name: k for k, name in enumerate(header)}
        values = {}
        for name, column, kind in _SERIES_COLUMNS:
            k = where.get(column)
            if k is None:
                raise ValueError(f"{Path(path).name} has no column {column!r}")
            cells = [r[k] if k < len(r) else "" for r in body]
            try:
                values[name] = _parse_cells(cells, kind)
            except ValueError:
                raise ValueError(f"{Path(path).name}: column {column!r} holds something "
                                 "that is not a number") from None
        return cls(**values)


_DTYPES = {"number": float, "text": object, "index": int, "flag": bool}


def _parse_cells(cells: list[str], kind: str) -> np.ndarray:
    if kind == "text":
        return np.array(cells, dtype=object)
    numbers = np.array([float(v) if v != "" else np.nan for v in cells], dtype=float)
    if kind == "index":
        return np.where(np.isfinite(numbers), numbers, -1).astype(int)
    if kind == "flag":
        return np.nan_to_num(numbers) != 0
    return numbers
