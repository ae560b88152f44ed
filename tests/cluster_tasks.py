"""Fake per-file tasks for the cluster tests, importable by worker processes."""

import os
from pathlib import Path

from screening.results import Result, Status


def crash_on_marked_input(job) -> Result:
    """Kill the worker process for an input whose name contains "crash"; else succeed."""
    if "crash" in Path(job.input).name:
        os._exit(3)
    return Result(input=job.input, status=Status.OK)


def fail_if_malloc_is_tuned(job) -> Result:
    """Fail in a worker process started with MALLOC_TRIM_THRESHOLD_ set (Dask's nanny sets
    it by default; screening.cluster.WORKER_ENV_UNSET removes it); else succeed."""
    value = os.environ.get("MALLOC_TRIM_THRESHOLD_")
    if value is not None:
        raise RuntimeError(f"the worker runs with MALLOC_TRIM_THRESHOLD_={value}")
    return Result(input=job.input, status=Status.OK)
