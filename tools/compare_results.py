"""Compare the measured content of two sets of result folders.

    python -m tools.compare_results BEFORE_DIR AFTER_DIR [--tolerance 0]

Each DIR holds result folders (one per video, as written by ``pelvic-screen analyze``);
folders are paired by name. Both are read with the one reader (``read_result``), so a
schema 1.0 folder (``tests``) and a schema 2.0 folder (``holds``) compare by what they
measured, not by how the file spells it. Compared: status and error code; for each hold
its legs, hold and steady windows, classification, drop median and peak, markerless drop,
evidence, uncertainty, trunk lean, time to drop, compensation and weak side; for each side
its classification, drop and weak side. Not compared: what is expected to differ between
versions (the config and versions recorded, the time of analysis, output paths, wording).

Prints one line per difference and exits 1 when there is any (a number differing by more
than ``--tolerance``, in its own unit), 0 when the results measured the same.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from screening.results import HoldResult, Result, SideResult, read_result

HOLD_FIELDS = ("stance_side", "lifted_side", "hold_start_s", "hold_end_s",
               "hold_duration_s", "steady_start_s", "steady_end_s", "classification",
               "evidence", "uncertainty_deg", "time_to_drop_s", "trunk_lean_median_deg",
               "compensated", "weak_side")
SIDE_FIELDS = ("stance_side", "classification", "n_holds", "n_measured",
               "drop_median_deg", "trunk_lean_median_deg", "compensated", "weak_side")


def _hold_values(hold: HoldResult) -> dict[str, object]:
    values: dict[str, object] = {name: getattr(hold, name) for name in HOLD_FIELDS}
    values["drop_median_deg"] = hold.pelvic_drop.median_deg
    values["drop_peak_deg"] = hold.pelvic_drop.peak_deg
    markerless = hold.markerless_pelvic_drop
    values["markerless_drop_median_deg"] = None if markerless is None else markerless.median_deg
    return values


def _side_values(side: SideResult) -> dict[str, object]:
    return {name: getattr(side, name) for name in SIDE_FIELDS}


def _differs(before: object, after: object, tolerance: float) -> bool:
    numbers = (int, float)
    if isinstance(before, numbers) and isinstance(after, numbers) \
            and not isinstance(before, bool) and not isinstance(after, bool):
        return abs(float(before) - float(after)) > tolerance
    return before != after


def compare_results(before: Result, after: Result, *, tolerance: float = 0.0) -> list[str]:
    """The differences in what two results measured, one line each (empty: the same)."""
    lines: list[str] = []
    if before.status != after.status:
        lines.append(f"status {before.status} -> {after.status}")
    before_code = before.error.code if before.error else None
    after_code = after.error.code if after.error else None
    if before_code != after_code:
        lines.append(f"error {before_code} -> {after_code}")
    for kind, old_parts, new_parts, values in (
            ("hold", before.holds, after.holds, _hold_values),
            ("side", before.sides, after.sides, _side_values)):
        if len(old_parts) != len(new_parts):
            lines.append(f"{len(old_parts)} {kind}s -> {len(new_parts)}")
        for index, (old, new) in enumerate(zip(old_parts, new_parts, strict=False)):
            old_values, new_values = values(old), values(new)
            for name, old_value in old_values.items():
                if _differs(old_value, new_values[name], tolerance):
                    lines.append(f"{kind} {index} {name}: {old_value} -> {new_values[name]}")
    return lines


def _folders(root: Path) -> dict[str, Path]:
    return {p.name: p for p in sorted(root.iterdir()) if (p / "result.json").is_file()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path, help="folder of result folders (before)")
    parser.add_argument("after", type=Path, help="folder of result folders (after)")
    parser.add_argument("--tolerance", type=float, default=0.0,
                        help="largest difference of a number (degrees, seconds) taken as "
                             "the same (default 0: as written in result.json)")
    args = parser.parse_args(argv)
    before, after = _folders(args.before), _folders(args.after)
    if not before or not after:
        print(f"No result folders in {args.before if not before else args.after}.",
              file=sys.stderr)
        return 2
    different = 0
    for name in sorted(before.keys() | after.keys()):
        if name not in before or name not in after:
            print(f"{name}: only in {'after' if name not in before else 'before'}")
            different += 1
            continue
        lines = compare_results(read_result(before[name]), read_result(after[name]),
                                tolerance=args.tolerance)
        print(f"{name}: {'same' if not lines else f'{len(lines)} difference(s)'}")
        for line in lines:
            print(f"    {line}")
        different += bool(lines)
    print(f"{len(before.keys() & after.keys())} compared, {different} different")
    return 1 if different else 0


if __name__ == "__main__":
    sys.exit(main())
