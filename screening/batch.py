"""Many inputs at once: collect files, run them (in parallel with ``jobs``), skip those
already analysed, isolate every failure, and write one ``summary.csv``."""

from __future__ import annotations

import csv
import hashlib
import json
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .config import Config
from .errors import ScreeningError
from .pipeline import analyze_video
from .pose.model import ModelInfo
from .report import RESULT_JSON, write_json
from .video import VIDEO_EXTENSIONS

SUMMARY_CSV = "summary.csv"
SUMMARY_COLUMNS = (
    "input", "output_dir", "status", "error_code", "error_message", "test_index",
    "stance_side", "lifted_side", "hold_start_s", "hold_end_s", "hold_duration_s",
    "pelvic_drop_median_deg", "pelvic_drop_peak_deg", "time_to_drop_s",
    "trunk_lean_median_deg", "classification", "compensated", "weak_side",
)


def collect_inputs(paths: list[str | Path]) -> list[Path]:
    """Files as given; folders searched recursively for video files (by extension).

    Paths that do not exist are kept, so that they are reported as failed inputs.
    """
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found.extend(sorted(f for f in p.rglob("*") if f.is_file()
                                and f.suffix.lower() in VIDEO_EXTENSIONS
                                and not any(part.startswith(".") for part in f.parts)))
        else:
            found.append(p)
    unique: dict[str, Path] = {}
    for f in found:
        unique.setdefault(str(f.resolve()), f)
    return list(unique.values())


def output_names(inputs: list[Path]) -> dict[Path, str]:
    """Output folder name per input: the file stem, made unique with a short path hash."""
    stems: dict[str, int] = {}
    for p in inputs:
        stems[p.stem] = stems.get(p.stem, 0) + 1
    names = {}
    for p in inputs:
        if stems[p.stem] == 1:
            names[p] = p.stem
        else:
            digest = hashlib.sha1(str(p.resolve()).encode()).hexdigest()[:6]
            names[p] = f"{p.stem}-{digest}"
    return names


def _already_done(result_path: Path, input_path: Path, config: Config) -> bool:
    try:
        doc = json.loads(result_path.read_text())
    except (OSError, ValueError):
        return False
    return (doc.get("status") == "ok" and doc.get("input") == str(input_path)
            and doc.get("config") == json.loads(json.dumps(config.to_dict())))


def _run_one(input_path: str, out_dir: str, config: Config, model: ModelInfo | None,
             annotate: bool) -> dict:
    result = analyze_video(input_path, config=config, out_dir=out_dir, model=model,
                           annotate=annotate)
    return result.to_dict()


@dataclass
class ItemOutcome:
    input: Path
    out_dir: Path
    document: dict
    skipped: bool = False

    @property
    def ok(self) -> bool:
        return self.document.get("status") == "ok"


Report = Callable[[ItemOutcome], None]


def run_batch(inputs: list[Path], out_root: Path, *, config: Config = Config(),
              model: ModelInfo | None = None, jobs: int = 1, force: bool = False,
              annotate: bool = True, on_item: Report | None = None) -> list[ItemOutcome]:
    """Analyse every input into ``out_root/<name>/``; returns one outcome per input, in
    input order, and writes ``out_root/summary.csv``. One failure never stops the batch."""
    out_root = Path(out_root)
    out_root.mkdir(parents=True, exist_ok=True)
    names = output_names(inputs)
    outcomes: dict[Path, ItemOutcome] = {}
    todo: list[Path] = []
    for p in inputs:
        target = out_root / names[p]
        if not force and _already_done(target / RESULT_JSON, p, config):
            doc = json.loads((target / RESULT_JSON).read_text())
            outcomes[p] = ItemOutcome(p, target, doc, skipped=True)
            if on_item:
                on_item(outcomes[p])
        else:
            todo.append(p)

    def finish(p: Path, doc: dict) -> None:
        outcomes[p] = ItemOutcome(p, out_root / names[p], doc)
        if on_item:
            on_item(outcomes[p])

    if jobs <= 1 or len(todo) <= 1:
        for p in todo:
            finish(p, _run_one(str(p), str(out_root / names[p]), config, model, annotate))
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(_run_one, str(p), str(out_root / names[p]), config, model,
                                   annotate): p for p in todo}
            for future in as_completed(futures):
                p = futures[future]
                try:
                    doc = future.result()
                except BrokenProcessPool:
                    doc = _crash_document(p, out_root / names[p], config)
                finish(p, doc)
    ordered = [outcomes[p] for p in inputs]
    write_summary(out_root / SUMMARY_CSV, ordered)
    return ordered


def _crash_document(p: Path, target: Path, config: Config) -> dict:
    """A worker process died (e.g. out of memory): record it like any other failure."""
    error = ScreeningError(f"The analysis of {p.name} stopped unexpectedly (the worker process "
                           "crashed).", "Try this file alone with --jobs 1; if it fails again, "
                           "it may be too large for the memory available.", code="worker_crashed")
    doc = {"schema_version": "1.0", "input": str(p), "status": "error",
           "error": error.to_dict(), "config": config.to_dict(), "tests": []}
    target.mkdir(parents=True, exist_ok=True)
    write_json(target / RESULT_JSON, doc)
    return doc


def summary_rows(outcomes: list[ItemOutcome]) -> list[dict]:
    rows = []
    for o in outcomes:
        doc = o.document
        base = {"input": str(o.input), "output_dir": str(o.out_dir), "status": doc.get("status"),
                "error_code": (doc.get("error") or {}).get("code", ""),
                "error_message": (doc.get("error") or {}).get("message", "")}
        tests = doc.get("tests") or []
        if not tests:
            rows.append(base)
        for i, t in enumerate(tests):
            rows.append({**base, "test_index": i, "stance_side": t["stance_side"],
                         "lifted_side": t["lifted_side"], "hold_start_s": t["hold_start_s"],
                         "hold_end_s": t["hold_end_s"], "hold_duration_s": t["hold_duration_s"],
                         "pelvic_drop_median_deg": t["pelvic_drop_deg"]["median"],
                         "pelvic_drop_peak_deg": t["pelvic_drop_deg"]["peak"],
                         "time_to_drop_s": t["time_to_drop_s"],
                         "trunk_lean_median_deg": t["trunk_lean_deg"]["median"],
                         "classification": t["classification"], "compensated": t["compensated"],
                         "weak_side": t["weak_side"]})
    return rows


def write_summary(path: Path, outcomes: list[ItemOutcome]) -> None:
    tmp = path.with_name(f".{path.name}.partial-{os.getpid()}")
    with tmp.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=SUMMARY_COLUMNS, restval="")
        writer.writeheader()
        for row in summary_rows(outcomes):
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
    os.replace(tmp, path)
