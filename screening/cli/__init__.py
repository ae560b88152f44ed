"""Command line: ``pelvic-screen analyze ...`` (also spelled ``analyse``), ``reanalyse``,
``config``, ``model``, ``markers``, ``agreement`` and the records commands (``people``,
``history``, ``forget``, ``import``; screening.records) and ``app`` (screening.app.launch).

One module per family of commands, each adding its commands' parsers (with the function
that runs them) to the command line built here, in :func:`build_parser`, the one place
where the commands are registered:

* ``analyse``   ``analyze`` and ``reanalyse``, and the line printed per input
* ``setup``     ``config`` and ``model``: what an analysis runs with
* ``markers``   ``markers`` and ``agreement``: the printed pelvis markers
* ``records``   ``people``, ``history``, ``forget``, ``import`` and the record options
* ``settings``  the setting flags: ``--config FILE`` and one flag per setting
* ``app``       in screening.app.launch, beside the app it starts

The analysis settings are flags made from the fields of screening.config (name, type,
default, unit, range and help text), so they cannot drift from the defaults; ``--config
FILE`` reads them from a TOML file first (defaults < file < flags).

Exit codes: 0 every input succeeded, 1 any input failed, 2 usage error or a cluster that
cannot be used (nothing analysed), 130 interrupted.

Start-up is kept short: numpy, av, mediapipe, dask and streamlit are imported only by the
command that needs them, not for ``--help``.
"""

from __future__ import annotations

import argparse
import sys

from ..app.launch import add_app_command, run_app
from .analyse import (
    CLUSTER_ENV,
    SUMMARY_CSV,
    add_analyze_command,
    add_reanalyse_command,
    describe,
)
from .markers import add_agreement_command, add_markers_command
from .records import add_records_commands
from .settings import SETTING_DEST, add_settings, apply_settings, setting_sources
from .setup import add_config_command, add_model_command

__all__ = ["CLUSTER_ENV", "SETTING_DEST", "SUMMARY_CSV", "add_settings", "apply_settings",
           "build_parser", "describe", "main", "setting_sources"]


def build_parser() -> argparse.ArgumentParser:
    """The whole command line. Each command's parser carries the function that runs it
    (``args.run(args, parser)``); they are listed in ``--help`` in this order."""
    parser = argparse.ArgumentParser(
        prog="pelvic-screen",
        description="Measure pelvic drop in single-leg-stance videos (Trendelenburg test).")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_analyze_command(sub)
    add_reanalyse_command(sub)
    add_config_command(sub)
    add_model_command(sub)
    add_markers_command(sub)
    add_agreement_command(sub)
    add_records_commands(sub)
    add_app_command(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, streamlit_options = parser.parse_known_args(argv)  # `app` passes its options on
    if args.command == "app":
        return run_app(streamlit_options)
    if streamlit_options:
        parser.error("unrecognized arguments: " + " ".join(streamlit_options))
    try:
        return args.run(args, parser)
    except KeyboardInterrupt:
        print("Interrupted: the analyses not started were cancelled; finished results are "
              "kept and nothing half-written is (a file already running on a cluster worker "
              "may still finish there). Run the same command again to go on: inputs already "
              "analysed are skipped.", file=sys.stderr)
        return 130
