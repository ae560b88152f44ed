"""Texts shown to users (explanations, exercises), kept as Markdown and TOML data files.

Only reading happens here; the app decides where each text appears.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


def read_text(name: str) -> str:
    """The text of one content file, e.g. ``"learn.md"``."""
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")


def markdown(name: str) -> str:
    """A Markdown page by its stem: ``markdown("learn")`` reads ``learn.md``."""
    return read_text(f"{name}.md")


@dataclass(frozen=True)
class Exercise:
    key: str
    name: str
    group: str          # "hip abductors", "hip flexor", "hamstring"
    goal: str
    position: str
    dose: str
    cues: tuple[str, ...]
    mistakes: tuple[str, ...]
    progress_when: str
    easier: str = ""


@lru_cache(maxsize=1)
def _exercise_document() -> dict:
    return tomllib.loads(read_text("exercises.toml"))


def exercises(group: str | None = None) -> list[Exercise]:
    """Exercises in file order, optionally only one ``group``."""
    out = []
    for key, item in _exercise_document()["exercise"].items():
        ex = Exercise(key=key, name=item["name"], group=item["group"], goal=item["goal"],
                      position=item["position"], dose=item["dose"], cues=tuple(item["cues"]),
                      mistakes=tuple(item["mistakes"]), progress_when=item["progress_when"],
                      easier=item.get("easier", ""))
        if group is None or ex.group == group:
            out.append(ex)
    return out


def guidance() -> dict[str, str]:
    """Short texts that frame the exercises: when to progress, when to see a clinician."""
    return dict(_exercise_document()["guidance"])
