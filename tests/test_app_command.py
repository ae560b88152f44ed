"""``pelvic-screen app``: the wheel holds the app, the installed package starts it from any
folder, and a missing ``app`` extra is explained (screening/app/launch.py)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest
from appserver import free_port

from screening import cli
from screening.app import launch

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "screening"
START_TIMEOUT_S = 180.0   # a loaded machine: Streamlit's import alone takes seconds
STOP_TIMEOUT_S = 30.0


def _setuptools_version() -> tuple[int, ...]:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return tuple(int(p) for p in version("setuptools").split(".")[:2])
    except (PackageNotFoundError, ValueError):
        return (0,)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The project's wheel, built without build isolation from a copy of the sources (the
    build leaves its own folders next to them, never in the checkout)."""
    if _setuptools_version() < (77,):
        pytest.skip("building the wheel needs setuptools>=77 (the 'dev' extra): "
                    "pip install 'setuptools>=77'")
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(PACKAGE, src / "screening",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--quiet", "-w", str(work / "dist"), str(src)],
        capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (built,) = (work / "dist").glob("pelvic_screen-*.whl")
    return built


def test_the_wheel_holds_the_app_its_pages_and_every_content_file(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        entry_points = next(z.read(n).decode() for n in names
                            if n.endswith(".dist-info/entry_points.txt"))
    app_files = {p.relative_to(ROOT).as_posix() for p in (PACKAGE / "app").rglob("*.py")}
    assert {"screening/app/main.py", "screening/app/launch.py",
            "screening/app/entry/pelvic_screen_app.py", "screening/app/batch.py",
            "screening/app/history.py", "screening/app/webcam.py"} <= app_files
    assert app_files <= names, sorted(app_files - names)
    content = {p.relative_to(ROOT).as_posix() for p in (PACKAGE / "content").iterdir()
               if p.suffix in (".md", ".toml", ".py")}
    assert len(content) >= 7 and content <= names, sorted(content - names)
    migrations = {p.relative_to(ROOT).as_posix()
                  for p in (PACKAGE / "records" / "migrations").rglob("*.py")}
    assert migrations and migrations <= names, sorted(migrations - names)
    assert "pelvic-screen = screening.cli:main" in entry_points


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode("utf-8", "replace")


def test_pelvic_screen_app_starts_from_the_installed_package_in_any_folder(wheel, tmp_path):
    """The wheel installed into a folder of its own (its dependencies are this Python's),
    its `pelvic-screen` script run with a temporary working folder: the server answers its
    health check and serves the page, and stops when terminated."""
    site = tmp_path / "site"
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--quiet",
                           "--target", str(site), str(wheel)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    script = site / "bin" / "pelvic-screen"
    command = [str(script)] if script.is_file() else [sys.executable, "-m", "screening"]
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("STREAMLIT_") and k != "PELVIC_SCREEN_DATABASE_URL"}
    env.update(PYTHONPATH=str(site), PELVIC_SCREEN_DATA_DIR=str(tmp_path / "data"),
               # no model needed to serve the pages: a missing one is a warning, not a stop
               PELVIC_SCREEN_MODEL=str(tmp_path / "no-model.task"))
    where = subprocess.run([sys.executable, "-c", "import screening; print(screening.__file__)"],
                           cwd=work, env=env, capture_output=True, text=True, timeout=120)
    assert Path(where.stdout.strip()).is_relative_to(site), where.stdout + where.stderr

    port = free_port()
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [*command, "app", "--server.headless", "true", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.fileWatcherType", "none"],
            cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + START_TIMEOUT_S
            health = ""
            while health != "ok":
                if server.poll() is not None:
                    pytest.fail(f"`pelvic-screen app` exited with {server.returncode}:\n"
                                + log_path.read_text())
                if time.monotonic() > deadline:
                    pytest.fail(f"`pelvic-screen app` did not answer {base}/_stcore/health "
                                f"within {START_TIMEOUT_S:g} s:\n" + log_path.read_text())
                try:
                    health = _get(f"{base}/_stcore/health")[1].strip()
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    time.sleep(0.5)
            status, page = _get(base + "/")
            assert status == 200 and '<div id="root">' in page
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                code = server.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
                pytest.fail(f"`pelvic-screen app` did not stop within {STOP_TIMEOUT_S:g} s "
                            "of SIGTERM:\n" + log_path.read_text())
    text = log_path.read_text()
    assert code is not None
    assert "the pose model is not available" in text and "no-model.task" in text
    assert "Traceback" not in text, text
    assert not any(work.iterdir()), "nothing is written to the working folder"


# -- the extra, the options ----------------------------------------------------------------

def test_a_missing_extra_names_the_packages_and_the_install_command():
    def nothing_installed(name: str):
        return None

    missing = launch.missing_app_modules(find_spec=nothing_installed)
    assert missing == ["streamlit", "streamlit-webrtc"]
    text = launch.missing_extra_message(missing)
    assert "streamlit and streamlit-webrtc are not installed" in text
    assert "pip install 'pelvic-screen[app]'" in text
    assert launch.missing_extra_message(["streamlit-webrtc"]).startswith(
        "error: the app cannot start: streamlit-webrtc is not installed.")

    def only_streamlit(name: str):
        return object() if name == "streamlit" else None

    assert launch.missing_app_modules(find_spec=only_streamlit) == ["streamlit-webrtc"]


def test_app_without_the_extra_exits_2_with_the_message_and_starts_nothing(monkeypatch,
                                                                          capsys):
    monkeypatch.setattr(launch, "APP_MODULES", {"no_such_module_for_the_app": "streamlit"})
    monkeypatch.setattr(launch, "check_model", lambda: pytest.fail("no model check"))
    assert cli.main(["app", "--server.port", "8600"]) == 2
    err = capsys.readouterr().err
    assert "streamlit is not installed" in err
    assert "pip install 'pelvic-screen[app]'" in err and "Traceback" not in err


def test_other_commands_still_refuse_unknown_options(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["people", "--server.port", "8600"])
    assert exc.value.code == 2
    assert "unrecognized arguments: --server.port 8600" in capsys.readouterr().err


def test_the_options_are_passed_on_after_the_projects_defaults():
    argv = launch.streamlit_argv(["--server.port", "8600", "--server.address=0.0.0.0"],
                                 env={"STREAMLIT_CLIENT_TOOLBAR_MODE": "auto"},
                                 script=Path("/x/entry.py"))
    assert argv[:2] == ["run", "/x/entry.py"]
    assert argv[-3:] == ["--server.port", "8600", "--server.address=0.0.0.0"]
    defaults = argv[2:-3]
    assert "--server.address" not in defaults             # the user's option wins
    assert "--client.toolbarMode" not in defaults         # so does the environment
    assert defaults == ["--server.maxUploadSize", "2000",
                        "--browser.gatherUsageStats", "false"]
    assert launch.streamlit_env_name("server.maxUploadSize") == \
        "STREAMLIT_SERVER_MAX_UPLOAD_SIZE"
    assert launch.ENTRY_SCRIPT.is_file()
    assert launch.ENTRY_SCRIPT.parent.name == "entry"


def test_the_defaults_are_the_checkouts_streamlit_config():
    """`pelvic-screen app` runs with the settings `streamlit run app.py` reads from
    .streamlit/config.toml in a checkout."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    flat = {f"{section}.{key}": str(value).lower() if isinstance(value, bool) else str(value)
            for section, table in config.items() for key, value in table.items()}
    assert flat == launch.STREAMLIT_DEFAULTS


def test_help_of_app_needs_no_streamlit():
    proc = subprocess.run(
        [sys.executable, "-c",
         "import sys\n"
         "from screening.cli import main\n"
         "try:\n"
         "    main(['app', '--help'])\n"
         "except SystemExit:\n"
         "    pass\n"
         "print('LOADED', 'streamlit' in sys.modules)\n"],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "LOADED False" in proc.stdout
    assert "pelvic-screen app --server.port 8600" in proc.stdout
    assert "pip install 'pelvic-screen[app]'" in proc.stdout
