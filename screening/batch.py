"""Many inputs at once: run them, skip those already analysed, isolate every failure, and
rebuild one ``summary.csv`` over the whole output folder.

Which files and which result folders: :mod:`screening.inputs`; the summary:
:mod:`screening.summary_csv` (both also reachable from here, as before). Where the analyses
run is a :class:`Runner`: this process (:class:`SerialRunner`), a local process pool
(:class:`ProcessRunner`), or a Dask cluster (:class:`screening.cluster.DaskRunner`). Every
runner calls :func:`analyse_job` once per input, and each worker loads the pose model once
and reuses it (:mod:`screening.pose.reuse`), so the outputs are the same whichever runs
them.
"""

from __future__ import annotations

import datetime as dt
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
from .inputs import collect_inputs, output_names
from .jsondoc import plain
from .outputs import ReportDetails, write_result_folder
from .pose.model import ModelInfo, resolve_model
from .progress import Progress, noop
from .results import RESULT_JSON, Failure, Result, ResultReadError, Status, read_result
from .summary_csv import (
    SUMMARY_COLUMNS,
    SUMMARY_CSV,
    result_files,
    study_rows,
    summary_rows,
    write_summary,
)

if TYPE_CHECKING:
    from .pose.reuse import ReusedPose

__all__ = [
    "SUMMARY_COLUMNS", "SUMMARY_CSV", "Finished", "ItemOutcome", "Job", "ProcessRunner",
    "Runner", "SerialRunner", "analyse_job", "collect_inputs", "model_on_this_machine",
    "output_names", "result_files", "run_batch", "study_rows", "summary_rows",
    "write_summary",
]


def _already_done(result_path: Path, input_path: Path, config: Config) -> Result | None:
    """The successful result already in ``result_path`` for this input, made with exactly
    these settings (recorded in this version's sections, or flat by earlier versions)."""
    try:
        result = read_result(result_path)
    except ResultReadError:
        return None
    done = (result.ok and result.input == str(input_path)
            and recorded_config(result.config) == config)
    return result if done else None


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
    """Analyse one input into its result folder; returns its result (as in result.json).

    Runs in a worker: the pose model is loaded once per worker (``reuse``, or the worker
    thread's own, see :func:`screening.pose.reuse.worker_pose`) and reset for each video.
    """
    from .pipeline import analyse_video
    from .pose.reuse import worker_pose

    if job.model is None:  # not installed: analyse_video installs it when a video needs it
        result = analyse_video(job.source, config=job.config, out_dir=job.out_dir,
                               annotate=job.annotate, input_name=job.input,
                               report=job.report)
        return result.to_result()
    try:
        model = model_on_this_machine(job.model)
        backend = reuse.for_video(model) if reuse is not None else worker_pose(model)
    except ModelError as exc:
        model, backend = job.model, _Unusable(exc)
    result = analyse_video(job.source, config=job.config, out_dir=job.out_dir, model=model,
                           backend=backend, annotate=job.annotate, input_name=job.input,
                           report=job.report)
    return result.to_result()


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


Finished = tuple[Job, "Result | BaseException"]


class Runner(Protocol):
    """Runs :func:`analyse_job` for every job; yields each job with its result (or the
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
    result: Result
    skipped: bool = False

    @property
    def ok(self) -> bool:
        return self.result.ok


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
        previous = None if force else _already_done(target / RESULT_JSON, p, config)
        if previous is not None:
            done(ItemOutcome(p, target, previous, skipped=True))
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
        for job, result in finished:
            p = work[job.out_dir]
            if isinstance(result, BaseException):
                result = _crash_result(job, result)
            done(ItemOutcome(p, out_root / names[p], result))
    finally:
        close = getattr(finished, "close", None)
        if close is not None:
            close()
        write_summary(out_root)
    _remove_leftovers(out_root, [names[p] for p in todo])
    return [outcomes[p] for p in inputs]


def _crash_result(job: Job, problem: BaseException) -> Result:
    """A worker died (e.g. out of memory) or the job could not run: record it like any
    other failure, in the input's result folder."""
    if isinstance(problem, ScreeningError):
        error = problem
    else:
        error = ScreeningError(
            "The analysis stopped unexpectedly: the worker process that ran it crashed.",
            "Try this file alone with --jobs 1; if it fails again, it may be too large for "
            "the memory available.", code="worker_crashed")
    result = Result(input=job.input, status=Status.ERROR,
                    analysed_at=dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                    error=Failure.of(error), estimator=job.config.measurement.estimator,
                    config=plain(job.config.to_dict()))
    write_result_folder(Path(job.out_dir), result)
    return result


def _remove_leftovers(out_root: Path, names: list[str]) -> None:
    """Staging folders left by workers that died while writing (all attempts are over)."""
    for name in names:
        for pattern in (f".{name}.partial-*", f".{name}.old-*"):
            for leftover in out_root.glob(pattern):
                shutil.rmtree(leftover, ignore_errors=True)


