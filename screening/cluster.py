"""Running a batch on a Dask distributed cluster: :class:`DaskRunner`.

``tcp://HOST:PORT`` connects to a running scheduler (``dask scheduler`` plus ``dask worker``
processes, or one started by dask-jobqueue on SLURM); ``local:N`` starts a LocalCluster of
N worker processes with one thread each on this machine (same dashboard, same code path).
Each task is :func:`screening.batch.analyse_job` for one input, so the outputs are exactly
those of a local run; every worker loads the pose model once and reuses it.

Requirements and behaviour (docs/BATCH.md):

- Inputs, ``--out`` and the model must be paths every worker can read and write (a shared
  filesystem); relative paths are made absolute on this machine before they are sent.
- Workers need pelvic-screen installed (the same version) and, when the built-in model is
  used, ``pelvic-screen model --install`` run once (or a shared ``--model``).
- A worker that dies mid-file: the scheduler gives its task to another worker, and the
  result folder is replaced in one rename, so two attempts never leave a mixed folder.
  A task that raised is retried :data:`RETRIES` time(s).
- A file that kills a worker twice is reported as failed (code ``worker_crashed``) and the
  batch goes on: the scheduler's ``distributed.scheduler.allowed-failures`` is set to
  :data:`ALLOWED_FAILURES` on a LocalCluster; set it on an external scheduler with
  ``DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES=1 dask scheduler``.
- Ctrl-C cancels what has not finished and closes the client; a rerun skips the inputs
  already analysed.

Dask is imported only when a runner is opened; without the ``cluster`` extra the error
says how to install it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from .batch import Finished, Job, analyse_job
from .errors import ClusterError, ScreeningError
from .results import Result

CLUSTER_ENV = "PELVIC_SCREEN_CLUSTER"
ALLOWED_FAILURES = 1    # a second crash of a worker on the same file marks the file failed
RETRIES = 1             # a task that raised (e.g. a full disk on one worker) is tried again
CONNECT_TIMEOUT_S = 5.0
CLOSE_TIMEOUT_S = 10.0
EXTRA_MESSAGE = "--cluster needs the 'cluster' extra: pip install 'pelvic-screen[cluster]'"
ADDRESS_HINT = ("Give the scheduler's address as printed by `dask scheduler` "
                "(e.g. tcp://10.0.0.5:8786), or local:N for N worker processes on this machine.")


def local_workers(address: str) -> int | None:
    """N for ``local:N``, None for the address of a running scheduler."""
    if not address.startswith("local:"):
        return None
    count = address.split(":", 1)[1]
    if not count.isdigit() or int(count) < 1:
        raise ClusterError(f"{address!r} is not a local cluster size.",
                           "Use local:N with N the number of worker processes, e.g. local:2.")
    return int(count)


def _check_address(address: str) -> None:
    if "://" not in address and ":" not in address:
        raise ClusterError(f"{address!r} is not a scheduler address.", ADDRESS_HINT)


# The log level of a LocalCluster's scheduler and worker processes, whose logs reach the
# user's terminal. A file's failure and a lost worker reach the user through the futures
# (each input's error, "worker_crashed"); what the processes log is about Dask itself. At
# the end of a batch a worker's heartbeat can meet the scheduler closing and log its
# OSError at ERROR with a traceback (distributed's Worker.heartbeat, "Failed to communicate
# with scheduler during heartbeat"), a known race of the shutdown, not a fault of the batch.
WORKER_LOG_LEVEL = logging.CRITICAL

# Environment variables Dask's nanny sets in each worker process it starts that this
# analysis must not get (the value None removes one from distributed's
# ``distributed.nanny.pre-spawn-environ``). Setting MALLOC_TRIM_THRESHOLD_ to any value
# turns off glibc's dynamic mmap threshold (mallopt(3), M_MMAP_THRESHOLD), so every decoded
# frame buffer is mapped and unmapped again: on the six sample videos with --jobs 2 that
# took the page faults from 0.4 to 2.5 million and the system time from 3.5 to 11.6 s.
WORKER_ENV_UNSET = {"MALLOC_TRIM_THRESHOLD_": None}


class DaskRunner:
    """A :class:`screening.batch.Runner` on a Dask cluster. Use as a context manager::

        with DaskRunner("local:2") as runner:
            print(runner.dashboard_link)
            run_batch(inputs, out, runner=runner)
    """

    def __init__(self, address: str, *, connect_timeout_s: float = CONNECT_TIMEOUT_S,
                 retries: int = RETRIES, task: Callable[[Job], Result] = analyse_job) -> None:
        self.address = address.strip()
        self.task = task  # what a worker runs per job (tests give a fake)
        self.n_local = local_workers(self.address)
        if self.n_local is None:
            _check_address(self.address)
        self.connect_timeout_s = connect_timeout_s
        self.retries = retries
        self._client = None
        self._cluster = None

    def __enter__(self) -> DaskRunner:
        try:
            import dask
            import distributed
        except ImportError:
            raise ClusterError(EXTRA_MESSAGE, "Or drop --cluster to run on this machine "
                               "(--jobs N for N files at once).", code="cluster_extra") from None
        try:
            if self.n_local is not None:
                with _workers_leave_ctrl_c_to_us(), dask.config.set(
                        {f"distributed.nanny.pre-spawn-environ.{name}": value
                         for name, value in WORKER_ENV_UNSET.items()}):
                    self._cluster = distributed.LocalCluster(
                        n_workers=self.n_local, threads_per_worker=1, processes=True,
                        host="127.0.0.1", dashboard_address="127.0.0.1:0",
                        silence_logs=WORKER_LOG_LEVEL, scheduler_kwargs={
                            "allowed_failures": ALLOWED_FAILURES})
                self._client = distributed.Client(self._cluster, set_as_default=False)
            else:
                self._reachable_or_raise()
                self._client = distributed.Client(self.address, timeout=self.connect_timeout_s,
                                                  set_as_default=False)
        except ClusterError:
            self.close()
            raise
        except Exception as exc:  # OSError, TimeoutError, or garbage from another server
            self.close()
            if self.n_local is not None:
                raise ClusterError(f"Could not start a local Dask cluster ({exc}).",
                                   "Try fewer workers, or --jobs N without --cluster.") from None
            raise self._unreachable(f"{type(exc).__name__}: {exc}") from None
        return self

    def _unreachable(self, why: str) -> ClusterError:
        return ClusterError(
            f"Could not reach a Dask scheduler at {self.address} ({why}; waited up to "
            f"{self.connect_timeout_s:.0f} s).",
            "Check that `dask scheduler` is running there, that the address and port are "
            "right (the scheduler's port, e.g. 8786, not its dashboard's) and that this "
            "machine can reach it; or drop --cluster (and unset PELVIC_SCREEN_CLUSTER) to "
            "run here. " + ADDRESS_HINT)

    def _reachable_or_raise(self) -> None:
        """Check the address before a Client is made: nothing listening fails at once, and
        a server that is not a Dask scheduler fails the handshake here, where no half-made
        Client lingers (its clean-up would wait and print)."""
        from distributed.comm import connect
        from distributed.comm.addressing import parse_address, parse_host_port

        scheme, location = parse_address(self.address)
        if scheme == "tcp":
            host, port = parse_host_port(location)
            try:
                socket.create_connection((host, port), timeout=self.connect_timeout_s).close()
            except OSError as exc:
                raise self._unreachable(f"{type(exc).__name__}: {exc}") from None

        async def handshake() -> None:
            comm = await connect(self.address, timeout=self.connect_timeout_s)
            await comm.close()

        try:
            asyncio.run(asyncio.wait_for(handshake(), self.connect_timeout_s + 1.0))
        except Exception as exc:  # OSError, TimeoutError, garbage from another server
            raise self._unreachable(f"no Dask handshake: {type(exc).__name__}: {exc}") from None

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._client is not None:
            try:
                self._client.close(timeout=CLOSE_TIMEOUT_S)
            except Exception:  # closing is best effort; the batch is over
                pass
        if self._cluster is not None:
            try:
                self._cluster.close(timeout=CLOSE_TIMEOUT_S)
            except Exception:  # closing is best effort
                pass
        self._client = self._cluster = None

    @property
    def dashboard_link(self) -> str:
        """The scheduler's dashboard, or "" when it has none (e.g. bokeh not installed)."""
        if self._client is None:
            return ""
        if "dashboard" not in self._client.scheduler_info().get("services", {}):
            return ""
        return self._client.dashboard_link

    @property
    def scheduler_address(self) -> str:
        return self._client.scheduler.address if self._client is not None else ""

    def n_workers(self) -> int:
        return len(self._client.scheduler_info().get("workers", {}))

    def run(self, jobs: list[Job]) -> Iterator[Finished]:
        from distributed import KilledWorker, as_completed

        if self._client is None:
            raise RuntimeError("DaskRunner.run needs an open runner (use it in a with block)")
        batch = uuid.uuid4().hex[:8]
        futures = {self._client.submit(self.task, job, key=_task_key(job, batch),
                                       pure=False, retries=self.retries): job for job in jobs}
        try:
            for future in as_completed(list(futures), loop=self._client.loop):
                job = futures[future]
                try:
                    result = future.result()
                except KilledWorker:
                    yield job, _killed()
                except Exception as exc:  # a task's error is that input's failure
                    yield job, _failed(exc)
                else:
                    yield job, result
                future.release()
        finally:
            pending = [f for f in futures if not f.done()]
            if pending:
                self._client.cancel(pending, force=True)


@contextlib.contextmanager
def _workers_leave_ctrl_c_to_us():
    """Start local worker processes with Ctrl-C ignored (the setting survives their start),
    so that a Ctrl-C in the terminal reaches only this process, which cancels the batch
    and closes the cluster, instead of every worker printing a KeyboardInterrupt."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _task_key(job: Job, batch: str) -> str:
    return f"pelvic-screen-{Path(job.out_dir).name}-{batch}"


def _killed() -> ScreeningError:
    return ScreeningError(
        "The analysis was given up: the worker processes that ran it died "
        "(e.g. out of memory), more often than the scheduler allows (allowed-failures).",
        "Try this file alone with --jobs 1; if it fails again, it may be too large for the "
        "memory available.", code="worker_crashed")


def _failed(exc: Exception) -> ScreeningError:
    return ScreeningError(
        f"The analysis could not run on the cluster ({type(exc).__name__}: {exc}).",
        "Check that every worker has the same pelvic-screen installed and can read the input "
        "and write the output folder (a shared filesystem).", code="worker_error")
