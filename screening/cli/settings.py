"""The setting flags of the commands: ``--config FILE`` and one flag per field of
screening.config (name, type, default, unit, range and help text), so they cannot drift
from the defaults; and the Config a command's flags give (defaults < file < flags)."""

from __future__ import annotations

import argparse

from ..config import SECTIONS, Config, SettingInfo, flag_changes, read_config_file, section_settings

SETTING_DEST = "setting:"    # argparse destination of a setting flag: SETTING_DEST + name
_METAVARS = {"deg": "DEG", "s": "S", "Hz": "HZ", "px": "PX", "frames/s": "FPS",
             "leg lengths": "LEGS", "fraction": "FRACTION", "ratio": "RATIO",
             "grey level": "LEVEL"}


def _flag_help(info: SettingInfo) -> str:
    default = (str(info.default).lower() if info.type is bool else f"{info.default:g}"
               if info.type in (int, float) else info.default)
    return f"{info.help} ({info.accepted()}; default: {default})".replace("%", "%%")


def add_settings(parser: argparse.ArgumentParser, sections=tuple(SECTIONS)) -> None:
    """``--config FILE`` and a flag for every setting of ``sections``, one help group per
    section. A flag not given leaves no value (the file's or the default applies)."""
    parser.add_argument("--config", metavar="FILE", default=None,
                        help="read the settings from this TOML file (`pelvic-screen config "
                        "--print` writes one to start from); flags win over it. "
                        "docs/CONFIG.md")
    for section in sections:
        cls = SECTIONS[section]
        group = parser.add_argument_group(
            f"settings [{section}]", (cls.__doc__ or "").split("\n\n")[0].replace("%", "%%"))
        for info in section_settings(cls):
            options = {"dest": SETTING_DEST + info.name, "default": argparse.SUPPRESS,
                       "help": _flag_help(info)}
            if info.type is bool:
                options["action"] = argparse.BooleanOptionalAction
            elif info.choices:
                options.update(choices=info.choices, metavar="NAME")
            else:
                options.update(type=info.type, metavar=_METAVARS.get(info.unit, "VALUE"))
            group.add_argument(info.flag, *info.aliases, **options)


def setting_sources(args) -> list[tuple[str, dict]]:
    """Where the settings of this command come from, lowest first: the ``--config`` file's
    tables, then the flags given. Raises ConfigError when the file cannot be read."""
    sources = []
    if getattr(args, "config", None):
        sources.append((str(args.config), read_config_file(args.config)))
    flags = {dest[len(SETTING_DEST):]: value for dest, value in vars(args).items()
             if dest.startswith(SETTING_DEST)}
    if flags:
        sources.append(("the command line", flag_changes(flags)))
    return sources


def apply_settings(base: Config, sources: list[tuple[str, dict]]) -> Config:
    """``base`` with each source applied in turn (a later one wins). Raises ConfigError."""
    for where, data in sources:
        base = base.updated(data, where=where)
    return base

