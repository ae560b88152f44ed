"""Before/after tables: two or more score files of ``validation.run --out`` on the same
clips, side by side, per motion type, view, clothing and trunk mode (markdown).

    python -m validation.compare before=old.json after=new.json --factor motion view
    python -m validation.compare before=a_old.json,b_old.json after=a_new.json,b_new.json

The clips are joined by name (several files of one label, comma-separated, are pooled);
their factors are taken from the last label's files (the newest truth reader knows the
most factors). Each cell is ``MAE / slope / class agreement``,
plus the inconclusive share and the opposite-class count where there are any.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np

from .scoring import fit_line

FACTORS = ("motion", "view", "clothing", "trunk_mode")


def _cell(rows: list[dict]) -> str:
    pairs = [(r["true_drop_deg"], r["measured_drop_deg"]) for r in rows
             if r.get("measured_drop_deg") is not None]
    if not pairs:
        return "—"
    true, meas = (np.array(v, dtype=float) for v in zip(*pairs, strict=True))
    mae = float(np.mean(np.abs(meas - true)))
    slope, _ = fit_line(true, meas)
    agree = np.mean([r["true_class"] == r["measured_class"] for r in rows])
    inconclusive = sum(r.get("pipeline_class") == "inconclusive" for r in rows)
    opposite = sum(1 for r in rows if r.get("pipeline_class") != "inconclusive"
                   and {r["true_class"], r["measured_class"]} == {"positive", "negative"})
    slope_text = "—" if not math.isfinite(slope) else f"{slope:.2f}"
    text = f"{mae:.2f}° / {slope_text} / {100 * agree:.0f} %"
    extra = []
    if inconclusive:
        extra.append(f"{inconclusive} inc")
    if opposite:
        extra.append(f"{opposite} opp")
    return text + (f" ({', '.join(extra)})" if extra else "")


def table(docs: dict[str, dict], factor: str) -> str:
    labels = list(docs)
    by_name = {label: {c["name"]: c for c in doc["clips"]} for label, doc in docs.items()}
    last = by_name[labels[-1]]
    names = [n for n in last if all(n in by_name[lb] for lb in labels)]
    levels: dict[str, list[str]] = {}
    for n in names:
        levels.setdefault(str(last[n]["factors"].get(factor, "—")), []).append(n)
    lines = [f"| {factor} | n | " + " | ".join(labels) + " |",
             "|---|---|" + "---|" * len(labels)]
    for level in sorted(levels) + ["all"]:
        group = names if level == "all" else levels[level]
        cells = [_cell([by_name[lb][n] for n in group]) for lb in labels]
        lines.append(f"| {level} | {len(group)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m validation.compare", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scores", nargs="+", metavar="LABEL=FILE[,FILE...]",
                        help="score files of validation.run --out, each with a column label")
    parser.add_argument("--factor", nargs="+", default=list(FACTORS), choices=FACTORS)
    args = parser.parse_args(argv)
    docs = {}
    for item in args.scores:
        label, _, path = item.partition("=")
        if not path:
            parser.error(f"give LABEL=FILE, got {item!r}")
        docs[label] = {"clips": [clip for part in path.split(",")
                                 for clip in json.loads(Path(part).read_text())["clips"]]}
    for factor in args.factor:
        print(table(docs, factor))
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
