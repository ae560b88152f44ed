"""Many inputs at once: collect files, run them, skip those already analysed, isolate every
failure, and keep one ``summary.csv`` over the whole output folder.

Where the analyses run is a :class:`Runner`: this process (:class:`SerialRunner`), a local
process pool (:class:`ProcessRunner`), or a Dask cluster (:class:`screening.cluster.DaskRunner`).
Every runner calls :func:`analyse_job` once per input, and each worker loads the pose model
once and reuses it (:mod:`screening.pose.reuse`), so the outputs are the same whichever runs
them.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from .config import Config, recorded_config
from .errors import ModelError, ScreeningError
from .files import atomic_open
from .pose.model import ModelInfo, resolve_model
from .progress import Progress, noop
from .report import RESULT_JSON, ReportDetails, write_result_document
from .video import VIDEO_EXTENSIONS

if TYPE_CHECKING:
    from .pose.reuse import ReusedPose

SUMMARY_CSV = "summary.csv"
SUMMARY_COLUMNS = (
    "input", "output_dir", "label", "person", "date", "status", "error_code", "error_message",
    "test_index", "stance_side", "lifted_side", "hold_start_s", "hold_end_s", "hold_duration_s",
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
            # Hidden files and folders below the given folder are skipped; the folder itself
            # may lie anywhere, also under a hidden one (~/.cache/..., ~/.local/share/...).
            found.extend(sorted(f for f in p.rglob("*") if f.is_file()
                                and f.suffix.lower() in VIDEO_EXTENSIONS
                                and not any(part.startswith(".")
                                            for part in f.relative_to(p).parts)))
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
    """A successful result of this input made with exactly these settings (recorded in
    this version's sections, or flat by earlier versions)."""
    try:
        doc = json.loads(result_path.read_text())
    except (OSError, ValueError):
        return False
    return (doc.get("status") == "ok" and doc.get("input") == str(input_path)
            and recorded_config(doc.get("config")) == config)


@dataclass(frozen=True)
class Job:
    """One input to analyse, as sent to a worker (it pickles; paths are absolute, so a
    worker whose working folder differs finds the same files)."""

    input: str      # as the user gave it: recorded in result.json and summary.csv
    source: str     # the absolute path the worker reads
    out_dir: str    # the absolute path of the result folder
    config: Config
    model: ModelInfo | None
    annotate: bool
    report: ReportDetails | None = None   # also write the printable report, with these


def analyse_job(job: Job, reuse: ReusedPose | None = None) -> dict:
    """Analyse one input into its result folder; returns the result.json document.

    Runs in a worker: the pose model is loaded once per worker (``reuse``, or the worker
    thread's own, see :func:`screening.pose.reuse.worker_pose`) and reset for each video.
    """
    from .pipeline import analyze_video
    from .pose.reuse import worker_pose

    if job.model is None:  # not installed: analyze_video installs it when a video needs it
        result = analyze_video(job.source, config=job.config, out_dir=job.out_dir,
                               annotate=job.annotate, input_name=job.input,
                               report=job.report)
        return result.to_dict()
    try:
        model = model_on_this_machine(job.model)
        backend = reuse.for_video(model) if reuse is not None else worker_pose(model)
    except ModelError as exc:
        model, backend = job.model, _Unusable(exc)
    result = analyze_video(job.source, config=job.config, out_dir=job.out_dir, model=model,
                           backend=backend, annotate=job.annotate, input_name=job.input,
                           report=job.report)
    return result.to_dict()


def model_on_this_machine(model: ModelInfo) -> ModelInfo:
    """The model to use on this worker: ``model`` when its file is here (a shared path),
    else the built-in model installed on this machine when it is the same (same sha256)."""
    if Path(model.path).is_file():
        return model
    if model.variant == "full":
        here = resolve_model(install=False)
        if here.sha256 == model.sha256:
            return here
    raise ModelError(f"The pose model {model.path} is not on the machine {platform.node()}.",
                     "Give --model a path every worker can read, or run `pelvic-screen model "
                     "--install` on every worker machine.")


class _Unusable:
    """A PoseBackend that fails with the model's problem when the first frame arrives, so
    that the result records it like any other failure (after the input's own checks)."""

    def __init__(self, error: ModelError) -> None:
        self._error = error

    def process(self, rgb, t_s):
        raise self._error

    def close(self) -> None:
        pass


Finished = tuple[Job, "dict | BaseException"]


class Runner(Protocol):
    """Runs :func:`analyse_job` for every job; yields each job with its document (or the
    exception that stopped it) as soon as it is done, in any order. Closing the iterator
    early (e.g. on Ctrl-C) cancels what has not started."""

    def run(self, jobs: list[Job]) -> Iterator[Finished]: ...


class SerialRunner:
    """One input after the other in this process, with one model for the whole batch."""

    def run(self, jobs: list[Job]) -> Iterator[Finished]:
        from .pose.reuse import ReusedPose

        with ReusedPose() as reuse:
            for job in jobs:
                yield job, analyse_job(job, reuse)


class ProcessRunner:
    """``workers`` local processes; each loads the model once, on its first video."""

    def __init__(self, workers: int) -> None:
        self.workers = workers

    def run(self, jobs: list[Job]) -> Iterator[Finished]:
        pool = ProcessPoolExecutor(max_workers=self.workers)
        try:
            futures = {pool.submit(analyse_job, job): job for job in jobs}
            for future in as_completed(futures):
                try:
                    yield futures[future], future.result()
                except BrokenProcessPool as exc:
                    yield futures[future], exc
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


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
              annotate: bool = True, on_item: Report | None = None,
              runner: Runner | None = None, progress: Progress | None = None,
              report_for: Callable[[Path], ReportDetails | None] | None = None
              ) -> list[ItemOutcome]:
    """Analyse every input into ``out_root/<name>/``; returns one outcome per input, in
    input order, and rebuilds ``out_root/summary.csv`` from every result in ``out_root``.
    One failure never stops the batch.

    ``runner``: where the analyses run (default: this process, or a pool of ``jobs``
    local processes). ``on_item(outcome)`` is called as each input is done (or skipped);
    ``progress(fraction, message)`` with the share of the inputs done.
    ``report_for(input)``: the details of the printable report the worker writes with
    each result (None: no report).
    """
    out_root = Path(out_root)
    out_root.mkdir(parents=True, exist_ok=True)
    names = output_names(inputs)
    outcomes: dict[Path, ItemOutcome] = {}
    progress = progress or noop()

    def done(outcome: ItemOutcome) -> None:
        outcomes[outcome.input] = outcome
        if on_item:
            on_item(outcome)
        progress(len(outcomes) / len(inputs), f"{len(outcomes)} of {len(inputs)} videos analysed")

    todo: list[Path] = []
    for p in inputs:
        target = out_root / names[p]
        if not force and _already_done(target / RESULT_JSON, p, config):
            doc = json.loads((target / RESULT_JSON).read_text())
            done(ItemOutcome(p, target, doc, skipped=True))
        else:
            todo.append(p)

    if model is None and todo:
        try:  # resolved once here, so that every worker uses (and records) the same model
            model = resolve_model(install=False)
        except ModelError:
            pass  # each analysis reports it (or installs the built-in model) as before
    if runner is None:
        runner = SerialRunner() if jobs <= 1 or len(todo) <= 1 else ProcessRunner(jobs)
    work = {str((out_root / names[p]).absolute()): p for p in todo}
    job_list = [Job(input=str(p), source=str(p.absolute()), out_dir=out_dir, config=config,
                    model=model, annotate=annotate,
                    report=report_for(p) if report_for is not None else None)
                for out_dir, p in work.items()]
    finished = runner.run(job_list)
    try:
        for job, doc in finished:
            p = work[job.out_dir]
            if isinstance(doc, BaseException):
                doc = _crash_document(job, doc)
            done(ItemOutcome(p, out_root / names[p], doc))
    finally:
        close = getattr(finished, "close", None)
        if close is not None:
            close()
        write_summary(out_root)
    _remove_leftovers(out_root, [names[p] for p in todo])
    return [outcomes[p] for p in inputs]


def _crash_document(job: Job, problem: BaseException) -> dict:
    """A worker died (e.g. out of memory) or the job could not run: record it like any
    other failure, in the input's result folder."""
    if isinstance(problem, ScreeningError):
        error = problem
    else:
        name = Path(job.input).name
        error = ScreeningError(
            f"The analysis of {name} stopped unexpectedly (the worker process crashed).",
            "Try this file alone with --jobs 1; if it fails again, it may be too large for "
            "the memory available.", code="worker_crashed")
    doc = {"schema_version": "1.0", "input": job.input, "status": "error",
           "analysed_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
           "error": error.to_dict(), "config": job.config.to_dict(), "tests": []}
    write_result_document(Path(job.out_dir), doc)
    return doc


def _remove_leftovers(out_root: Path, names: list[str]) -> None:
    """Staging folders left by workers that died while writing (all attempts are over)."""
    for name in names:
        for pattern in (f".{name}.partial-*", f".{name}.old-*"):
            for leftover in out_root.glob(pattern):
                shutil.rmtree(leftover, ignore_errors=True)


def _document_rows(doc: dict, *, input_text: str, output_dir: str, label: str, person: str,
                   date: str) -> list[dict]:
    base = {"input": input_text, "output_dir": output_dir, "label": label, "person": person,
            "date": date, "status": doc.get("status"),
            "error_code": (doc.get("error") or {}).get("code", ""),
            "error_message": (doc.get("error") or {}).get("message", "")}
    tests = doc.get("tests") or []
    if not tests:
        return [base]
    rows = []
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


def _person(doc: dict) -> str:
    """The optional ``person`` of a result: a name or id string, or a record with one."""
    person = doc.get("person")
    if isinstance(person, dict):
        person = person.get("name") or person.get("id") or ""
    return "" if person is None else str(person)


def _date(doc: dict, result_file: Path) -> str:
    """When the input was analysed: ``analysed_at`` from result.json, else the time the
    file was written (ISO 8601, local time with offset)."""
    when = doc.get("analysed_at")
    if isinstance(when, str) and when:
        return when
    stamp = dt.datetime.fromtimestamp(result_file.stat().st_mtime).astimezone()
    return stamp.isoformat(timespec="seconds")


def summary_rows(outcomes: list[ItemOutcome]) -> list[dict]:
    """summary.csv rows of this run's outcomes (``output_dir`` relative to the batch's
    output folder)."""
    rows = []
    for o in outcomes:
        result_file = o.out_dir / RESULT_JSON
        date = (o.document.get("analysed_at") or "") if not result_file.is_file() \
            else _date(o.document, result_file)
        rows.extend(_document_rows(o.document, input_text=str(o.document.get("input", o.input)),
                                   output_dir=o.out_dir.name, label=o.out_dir.name,
                                   person=_person(o.document), date=date))
    return rows


def result_files(out_root: Path) -> list[Path]:
    """Every result.json under ``out_root`` (hidden folders, e.g. staging ones, skipped)."""
    found = []
    for folder, subfolders, files in os.walk(out_root):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        if RESULT_JSON in files:
            found.append(Path(folder) / RESULT_JSON)
    return sorted(found, key=lambda f: f.relative_to(out_root).parts)


def study_rows(out_root: Path) -> list[dict]:
    """summary.csv rows of every result folder under ``out_root``, whichever run made it."""
    out_root = Path(out_root)
    rows = []
    for result_file in result_files(out_root):
        try:
            doc = json.loads(result_file.read_text())
        except (OSError, ValueError):
            continue  # being replaced right now, or not ours
        if not isinstance(doc, dict):
            continue
        folder = result_file.parent
        rows.extend(_document_rows(doc, input_text=str(doc.get("input", "")),
                                   output_dir=folder.relative_to(out_root).as_posix(),
                                   label=folder.name, person=_person(doc),
                                   date=_date(doc, result_file)))
    return rows


def write_summary(out_root: Path) -> Path:
    """Rebuild ``out_root/summary.csv`` from every result under ``out_root``, atomically."""
    path = Path(out_root) / SUMMARY_CSV
    with atomic_open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=SUMMARY_COLUMNS, restval="")
        writer.writeheader()
        for row in study_rows(Path(out_root)):
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return path
