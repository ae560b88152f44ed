"""Fake per-file tasks for the cluster tests, importable by worker processes."""

import os
from pathlib import Path


def crash_on_marked_input(job) -> dict:
    """Kill the worker process for an input whose name contains "crash"; else succeed."""
    if "crash" in Path(job.input).name:
        os._exit(3)
    return {"schema_version": "1.0", "input": job.input, "status": "ok", "tests": []}
