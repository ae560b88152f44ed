"""What an analysis runs with: ``pelvic-screen config`` (the settings as a TOML file to
start from) and ``pelvic-screen model`` (the pose model in use, or installing it)."""

from __future__ import annotations

import json
import shlex
import sys

from ..config import Config, to_toml
from ..errors import ConfigError, ModelError
from .settings import add_settings, apply_settings, setting_sources


def add_config_command(sub) -> None:
    c = sub.add_parser(
        "config", help="print the analysis settings as a TOML file to start from",
        description="Print every analysis setting as a commented TOML file, one table per "
        "section: help text, unit, accepted range and value. Without --config and setting "
        "flags the values are the defaults; with them, the settings they give (checked like "
        "`analyze` checks them). Use the file with `analyze --config FILE` or "
        "`reanalyse --config FILE`; docs/CONFIG.md.")
    what = c.add_mutually_exclusive_group(required=True)
    what.add_argument("--print", action="store_true", help="write the settings to the screen "
                      "(standard output)")
    what.add_argument("--out", metavar="FILE", default=None,
                      help="write the settings to FILE (an existing file is not replaced)")
    add_settings(c)
    c.set_defaults(run=run_config)


def add_model_command(sub) -> None:
    m = sub.add_parser("model", help="show (or install) the pose model in use",
                       description="Show the pose model in use: path, sha256, source.")
    m.add_argument("--json", action="store_true", help="print a JSON object")
    m.add_argument("--install", action="store_true",
                   help="build the built-in model now (downloads a wheel from PyPI once)")
    m.add_argument("--from-wheel", metavar="WHL", default=None,
                   help="with --install: build from this mediapipe==0.10.21 wheel (offline)")
    m.add_argument("--model", metavar="PATH", default=None, help="check this .task file")
    m.add_argument("--model-sha256", metavar="HEX", default=None,
                   help="expected sha256 of --model")
    m.set_defaults(run=run_model)


def run_config(args, parser=None) -> int:
    try:
        text = to_toml(apply_settings(Config(), setting_sources(args)))
    except ConfigError as exc:
        print(f"error: {exc.one_line()}", file=sys.stderr)
        return 2
    if args.print:
        sys.stdout.write(text)
        return 0
    try:
        with open(args.out, "x", encoding="utf-8") as f:
            f.write(text)
    except FileExistsError:
        print(f"error: {args.out} exists already; it was left as it is. Give another file "
              "name, or remove it first.", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: the settings could not be written to {args.out} ({exc.strerror}). "
              "Check that the folder exists and is writable.", file=sys.stderr)
        return 1
    print(f"Settings written to {args.out}. Use it with: pelvic-screen analyze VIDEO "
          f"--config {shlex.quote(args.out)}", file=sys.stderr)
    return 0


def run_model(args, parser=None) -> int:
    from ..pose.model import install_default_model, resolve_model

    try:
        if args.install and not args.model:
            info = install_default_model(args.from_wheel)
        else:
            info = resolve_model(args.model, args.model_sha256, install=False)
    except ModelError as exc:
        if args.json:
            print(json.dumps({"error": exc.to_dict()}))
        else:
            print(f"error: {exc.one_line()}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(info.to_dict(), indent=2))
    else:
        print(f"path:    {info.path}\nsha256:  {info.sha256}\nsource:  {info.source}\n"
              f"variant: {info.variant}\nversion: {info.version}")
    return 0
