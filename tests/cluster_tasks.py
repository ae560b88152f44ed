"""Fake per-file tasks for the cluster tests, importable by worker processes."""

import os
from pathlib import Path

from screening.results import Result, Status


def crash_on_marked_input(job) -> Result:
    """Kill the worker process for an input whose name contains "crash"; else succeed."""
    if "crash" in Path(job.input).name:
        os._exit(3)
    return Result(input=job.input, status=Status.OK)
