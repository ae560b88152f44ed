"""``pelvic-screen app [STREAMLIT OPTIONS...]``: the Streamlit app from the installed package.

The command checks that the ``app`` extra is installed (else it says how to install it),
finds the pose model or builds it once (as ``pelvic-screen analyze`` and ``pelvic-screen
model --install`` do), then runs Streamlit in this process on the package's entry script,
``entry/pelvic_screen_app.py``: no checkout, no ``make``, no shell script, the same on
Windows. Streamlit is imported only here, when the command runs, so ``pelvic-screen --help``
stays fast.

Options are Streamlit's own (``--server.port 8600``, ``--server.headless true``; ``streamlit
run --help`` lists them). The project's Streamlit settings (:data:`STREAMLIT_DEFAULTS`, the
same as ``.streamlit/config.toml`` of a checkout) are passed as options too, because a
config file is read only from the working folder: an option or a ``STREAMLIT_...``
environment variable given for one of them wins.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType

from ..errors import ModelError

ENTRY_SCRIPT = Path(__file__).resolve().parent / "entry" / "pelvic_screen_app.py"
INSTALL_HINT = "pip install 'pelvic-screen[app]'"
# The modules of the ``app`` extra the app cannot run without: import name -> PyPI name.
APP_MODULES = MappingProxyType({"streamlit": "streamlit",
                                "streamlit_webrtc": "streamlit-webrtc"})
# Private by default: only this computer can open the app (docs/APP.md says how to serve
# it to others), no usage statistics, no "Deploy" button; the app checks its own, clearer
# upload limit (PELVIC_SCREEN_MAX_UPLOAD_MB), this is Streamlit's ceiling above it.
# Kept equal to .streamlit/config.toml (a test compares them).
STREAMLIT_DEFAULTS = MappingProxyType({
    "server.address": "localhost",
    "server.maxUploadSize": "2000",
    "browser.gatherUsageStats": "false",
    "client.toolbarMode": "minimal",
})


def add_app_command(sub) -> None:
    """The ``app`` subcommand of the command line; its options are Streamlit's, taken as
    they come (``main`` parses the command line with ``parse_known_args``)."""
    sub.add_parser(
        "app", help="start the app in the browser (needs the 'app' extra)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        usage="pelvic-screen app [STREAMLIT OPTIONS...]",
        description=(
            "Start the Streamlit app (webcam self-test, upload, batch, history, learn) on\n"
            "http://localhost:8501 from the installed package, in any folder. It needs the\n"
            f"'app' extra: {INSTALL_HINT}. The pose model is found, or built\n"
            "once, as `pelvic-screen model --install` does.\n\n"
            "The options are Streamlit's own and are passed on, e.g.\n"
            "  pelvic-screen app --server.port 8600 --server.headless true\n"
            "(`streamlit run --help` lists them). Without them the app listens on this\n"
            "computer only (server.address localhost); serving it to other machines:\n"
            "docs/APP.md."))


def missing_app_modules(
        find_spec: Callable[[str], object | None] = importlib.util.find_spec) -> list[str]:
    """The PyPI names of the ``app`` extra's packages that are not installed."""
    return [package for module, package in APP_MODULES.items() if find_spec(module) is None]


def missing_extra_message(missing: Sequence[str]) -> str:
    """What to tell a user whose ``app`` extra is not (fully) installed."""
    return (f"error: the app cannot start: {' and '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not installed. The app is the optional "
            f"extra 'app' of pelvic-screen, installed apart from the command line. "
            f"Install it with: {INSTALL_HINT}")


def streamlit_argv(options: Sequence[str], env: Mapping[str, str],
                   script: Path = ENTRY_SCRIPT) -> list[str]:
    """The arguments of ``streamlit run`` for ``script``: the project's defaults that
    neither ``options`` nor a ``STREAMLIT_...`` variable of ``env`` sets, then ``options``."""
    given = {o[2:].split("=", 1)[0] for o in options if o.startswith("--")}
    argv = ["run", str(script)]
    for name, value in STREAMLIT_DEFAULTS.items():
        if name not in given and streamlit_env_name(name) not in env:
            argv += [f"--{name}", value]
    return argv + list(options)


def streamlit_env_name(option: str) -> str:
    """The environment variable of a Streamlit option, as Streamlit names it:
    ``server.maxUploadSize`` -> ``STREAMLIT_SERVER_MAX_UPLOAD_SIZE``."""
    return "STREAMLIT_" + re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1",
                                 option.replace(".", "_")).upper()


def check_model() -> None:
    """Find the pose model, or build it once; a model that cannot be had is a warning (the
    Learn and History pages work without it; the analysing pages say what is wrong)."""
    from ..pose.model import resolve_model

    try:
        resolve_model(install=False)
        return
    except ModelError:
        pass
    print("The pose model is not installed yet: building it once (downloads "
          "mediapipe==0.10.21 from PyPI, as `pelvic-screen model --install` does)...",
          file=sys.stderr)
    try:
        info = resolve_model()
    except ModelError as exc:
        print(f"warning: the pose model is not available: {exc.one_line()} The app starts "
              "anyway; the webcam test and the analyses cannot run until the model is there.",
              file=sys.stderr)
        return
    print(f"Pose model ready: {info.path}", file=sys.stderr)


def run_app(options: Sequence[str]) -> int:
    """``pelvic-screen app OPTIONS``: returns the exit code (2 when the extra is missing)."""
    missing = missing_app_modules()
    if missing:
        print(missing_extra_message(missing), file=sys.stderr)
        return 2
    try:
        check_model()
        from streamlit.web import cli as streamlit_cli

        streamlit_cli.main(args=streamlit_argv(options, os.environ), prog_name="streamlit")
    except SystemExit as exc:   # Streamlit's command line ends with sys.exit
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except KeyboardInterrupt:   # Ctrl+C before the server took over the signals
        print("Interrupted: the app was not started.", file=sys.stderr)
        return 130
    return 0
