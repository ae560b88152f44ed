"""Batches on a Dask cluster: a real scheduler and two workers started here as processes on
127.0.0.1 (random free ports, no dashboards), and a LocalCluster (``--cluster local:2``).

Every process started here is killed at teardown, also when a test fails. Nothing has a
timing assert; waits are generous but bounded.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import SAMPLES

pytest.importorskip("distributed")

from screening.batch import run_batch  # noqa: E402
from screening.cluster import DaskRunner  # noqa: E402
from screening.config import Config  # noqa: E402
from screening.summary_csv import NOT_MEASURED  # noqa: E402

DASK = Path(sys.executable).with_name("dask")
CLIP = SAMPLES / "negative_left_stance.mp4"
START_TIMEOUT_S = 120
RUN_TIMEOUT_S = 900


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen) -> None:
    """End a process started here and everything it started (its own session)."""
    if proc.poll() is None:
        for sig, wait_s in ((signal.SIGTERM, 15), (signal.SIGKILL, 15)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                proc.wait(timeout=wait_s)
                break
            except subprocess.TimeoutExpired:
                continue
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


class DaskProcesses:
    """``dask scheduler`` and ``dask worker`` processes on 127.0.0.1."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.procs: list[subprocess.Popen] = []
        self.address = ""

    def _start(self, *args: str, cwd: Path) -> subprocess.Popen:
        env = dict(os.environ, DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES="1")
        cwd.mkdir(parents=True, exist_ok=True)
        log = (cwd / "log.txt").open("wb")
        proc = subprocess.Popen([str(DASK), *args], cwd=cwd, env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.procs.append(proc)
        return proc

    def start(self, n_workers: int = 2) -> DaskProcesses:
        port = free_port()
        self.address = f"tcp://127.0.0.1:{port}"
        self._start("scheduler", "--host", "127.0.0.1", "--port", str(port),
                    "--no-dashboard", cwd=self.workdir / "scheduler")
        for i in range(n_workers):
            # Each worker runs in its own folder: relative paths given to the CLI must not
            # depend on the workers' working folder.
            self._start("worker", self.address, "--nworkers", "1", "--nthreads", "1",
                        "--no-nanny", "--no-dashboard", "--host", "127.0.0.1",
                        "--name", f"w{i}", cwd=self.workdir / f"worker{i}")
        client = self.client()
        try:
            client.wait_for_workers(n_workers, timeout=START_TIMEOUT_S)
        finally:
            client.close()
        return self

    def client(self):
        from distributed import Client

        return Client(self.address, timeout=START_TIMEOUT_S, set_as_default=False)

    def stop(self) -> None:
        for proc in reversed(self.procs):
            _stop(proc)


@pytest.fixture
def dask_processes(tmp_path):
    if not DASK.is_file():
        pytest.skip(f"the dask command is not installed ({DASK})")
    procs = DaskProcesses(tmp_path / "dask")
    try:
        yield procs.start()
    finally:
        procs.stop()


def run_cli(*args, cwd: Path) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "screening", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def read_summary(out: Path, *, measured_only: bool = True) -> list[dict]:
    """The rows of summary.csv; ``measured_only``: without the rows of legs that were never
    measured (the clips stand on one leg)."""
    with (out / "summary.csv").open() as f:
        rows = list(csv.DictReader(f))
    return [r for r in rows if r["status"] != NOT_MEASURED] if measured_only else rows


def numbers(doc: dict) -> dict:
    """The measured part of a result: everything but paths, times and versions."""
    video = {k: v for k, v in doc["video"].items() if k != "path"}
    return {"video": video, **{k: doc[k] for k in ("status", "error", "estimator", "config",
                                                 "quality", "warnings", "holds", "sides",
                                                 "missed_holds")}}


@pytest.fixture(scope="module")
def local_result(tmp_path_factory, model_info) -> dict:
    """result.json of a plain local run of CLIP (no cluster)."""
    out = tmp_path_factory.mktemp("local") / "out"
    [outcome] = run_batch([CLIP], out, config=Config(), model=model_info, annotate=False)
    assert outcome.ok, outcome.result.error
    return outcome.result.to_document()


def _broken_batch(tmp_path: Path) -> Path:
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copyfile(CLIP, inputs / CLIP.name)
    (inputs / "notes.mp4").write_text("not a video")
    return inputs


def _check_broken_batch(proc, out: Path, local_result: dict) -> None:
    assert proc.returncode == 1, proc.stderr
    rows = {r["label"]: r for r in read_summary(out)}
    assert set(rows) == {CLIP.stem, "notes"}
    [missed] = [r for r in read_summary(out, measured_only=False) if r["status"] == NOT_MEASURED]
    assert (missed["label"], missed["stance_side"]) == (CLIP.stem, "right")
    assert rows["notes"]["status"] == "error" and rows["notes"]["error_code"] == "not_a_video"
    assert rows[CLIP.stem]["status"] == "ok"
    assert rows[CLIP.stem]["input"] == f"in/{CLIP.name}"  # as given, relative
    assert "FAILED notes.mp4" in proc.stderr
    doc = json.loads((out / CLIP.stem / "result.json").read_text())
    assert doc["input"] == f"in/{CLIP.name}"
    assert numbers(doc) == numbers(local_result)
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


@pytest.mark.model
def test_external_cluster_broken_file_and_same_numbers(tmp_path, dask_processes,
                                                       local_result):
    _broken_batch(tmp_path)
    proc = run_cli("analyze", "in", "--out", "out", "--no-video", "--cluster",
                   dask_processes.address, cwd=tmp_path)
    _check_broken_batch(proc, tmp_path / "out", local_result)
    assert "Dask scheduler" in proc.stderr and "2 worker(s)" in proc.stderr


@pytest.mark.model
def test_local_cluster_broken_file_and_same_numbers(tmp_path, local_result):
    _broken_batch(tmp_path)
    proc = run_cli("analyze", "in", "--out", "out", "--no-video", "--cluster", "local:2",
                   cwd=tmp_path)
    _check_broken_batch(proc, tmp_path / "out", local_result)
    # a rerun skips what is done and rebuilds the same summary
    again = run_cli("analyze", "in", "--out", "out", "--no-video", "--cluster", "local:2",
                    cwd=tmp_path)
    assert "1 already done, skipped" in again.stdout
    assert len(read_summary(tmp_path / "out")) == 2


def _default_ctrl_c() -> None:
    """In the child before it starts: SIGINT back to its default disposition."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _busy_worker_pid(client, deadline_s: float) -> int:
    """The pid of a worker that is running a task, as soon as there is one."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        busy = [addr for addr, keys in client.processing().items() if keys]
        if busy:
            return client.run(os.getpid, workers=[busy[0]])[busy[0]]
        time.sleep(0.2)
    raise AssertionError("no task started on the cluster")


@pytest.mark.model
def test_killing_a_worker_mid_batch_still_gives_every_result_once(tmp_path, dask_processes):
    inputs = tmp_path / "in"
    inputs.mkdir()
    clips = sorted(SAMPLES.glob("*_stance.mp4"))[:3]
    for clip in clips:
        shutil.copyfile(clip, inputs / clip.name)
    cli = subprocess.Popen([sys.executable, "-m", "screening", "analyze", "in", "--out", "out",
                            "--no-video", "--cluster", dask_processes.address], cwd=tmp_path,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           start_new_session=True)
    client = dask_processes.client()
    try:
        os.kill(_busy_worker_pid(client, START_TIMEOUT_S), signal.SIGKILL)
        stdout, stderr = cli.communicate(timeout=RUN_TIMEOUT_S)
        # the surviving worker analysed two or three files with one model
        from screening.pose.reuse import worker_model_loads

        assert list(client.run(worker_model_loads).values()) == [1]
    finally:
        client.close()
        _stop(cli)
    assert cli.returncode == 0, stderr
    assert "Traceback" not in stderr, stderr
    out = tmp_path / "out"
    rows = read_summary(out)
    assert sorted(r["label"] for r in rows) == sorted(c.stem for c in clips)
    assert all(r["status"] == "ok" for r in rows), rows
    assert sorted(p.name for p in out.iterdir()) == sorted([c.stem for c in clips]
                                                           + ["summary.csv"])


def test_a_file_that_kills_its_worker_twice_is_reported_and_the_batch_goes_on(tmp_path):
    inputs = [tmp_path / "a.mp4", tmp_path / "crash.mp4", tmp_path / "b.mp4"]
    for p in inputs:
        p.write_text("fake")
    from cluster_tasks import crash_on_marked_input

    with DaskRunner("local:2", task=crash_on_marked_input) as runner:
        outcomes = run_batch(inputs, tmp_path / "out", runner=runner)
    by_name = {o.input.name: o for o in outcomes}
    assert by_name["a.mp4"].ok and by_name["b.mp4"].ok
    crashed = by_name["crash.mp4"].result
    assert crashed.status == "error" and crashed.error.code == "worker_crashed"
    saved = json.loads((tmp_path / "out" / "crash" / "result.json").read_text())
    assert saved["error"]["code"] == "worker_crashed"


def test_local_workers_keep_glibc_s_dynamic_mmap_threshold(tmp_path, monkeypatch):
    """Dask's nanny would set MALLOC_TRIM_THRESHOLD_ in each worker, which makes glibc map
    and unmap every decoded frame (screening.cluster.WORKER_ENV_UNSET)."""
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    clip = tmp_path / "a.mp4"
    clip.write_text("fake")
    from cluster_tasks import fail_if_malloc_is_tuned

    with DaskRunner("local:1", task=fail_if_malloc_is_tuned) as runner:
        [outcome] = run_batch([clip], tmp_path / "out", runner=runner)
    assert outcome.ok, outcome.result.error


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path):
    clip = tmp_path / "x.mp4"
    clip.write_text("never analysed")
    proc = run_cli("analyze", clip, "--out", tmp_path / "out", "--cluster",
                   f"tcp://127.0.0.1:{free_port()}", cwd=tmp_path)
    assert proc.returncode == 2
    assert "Could not reach a Dask scheduler" in proc.stderr
    assert "Hint:" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_a_server_that_is_not_a_scheduler_is_a_clear_error(tmp_path):
    """E.g. the dashboard's port given instead of the scheduler's."""
    import http.server
    import threading

    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        clip = tmp_path / "x.mp4"
        clip.write_text("never analysed")
        proc = run_cli("analyze", clip, "--out", tmp_path / "out", "--cluster",
                       f"tcp://127.0.0.1:{server.server_address[1]}", cwd=tmp_path)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=30)
    assert proc.returncode == 2
    assert "no Dask handshake" in proc.stderr and "Hint:" in proc.stderr


def test_a_bad_cluster_address_is_a_usage_error(tmp_path):
    clip = tmp_path / "x.mp4"
    clip.write_text("never analysed")
    for address in ("local:0", "nonsense"):
        proc = run_cli("analyze", clip, "--cluster", address, cwd=tmp_path)
        assert proc.returncode == 2 and "error:" in proc.stderr


@pytest.mark.model
def test_ctrl_c_cancels_the_batch_and_exits_130(tmp_path, dask_processes):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for clip in sorted(SAMPLES.glob("*_stance.mp4"))[:3]:
        shutil.copyfile(clip, inputs / clip.name)
    # Ctrl-C must reach the command as it reaches a user's terminal: a test run started in
    # the background inherits SIGINT ignored, and Python then never raises KeyboardInterrupt
    cli = subprocess.Popen([sys.executable, "-m", "screening", "analyze", "in", "--out", "out",
                            "--no-video", "--cluster", dask_processes.address], cwd=tmp_path,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           start_new_session=True, preexec_fn=_default_ctrl_c)
    client = dask_processes.client()
    try:
        _busy_worker_pid(client, START_TIMEOUT_S)
        cli.send_signal(signal.SIGINT)
        stdout, stderr = cli.communicate(timeout=START_TIMEOUT_S)
        assert cli.returncode == 130, stderr
        assert "Interrupted" in stderr and "Traceback" not in stderr, stderr
        end = time.monotonic() + START_TIMEOUT_S  # the scheduler forgets the cancelled tasks
        while any(client.processing().values()) and time.monotonic() < end:
            time.sleep(0.5)
        assert not any(client.processing().values())
    finally:
        client.close()
        _stop(cli)
    # A file already running on a worker finishes there (a running task cannot be stopped);
    # whatever is in place is a whole result folder.
    for folder in (tmp_path / "out").iterdir():
        if folder.is_dir() and not folder.name.startswith("."):
            assert (folder / "result.json").is_file()
