"""Which files a batch analyses, and the result folder each one gets.

Folders are searched recursively for videos (by extension, hidden files and folders
skipped); files given by name are kept as they are, so that one that does not exist or is
not a video is reported as a failed input with what to fix.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from .filekind import VIDEO_EXTENSIONS


def collect_inputs(paths: list[str | Path]) -> list[Path]:
    """Files as given; folders searched recursively for video files (by extension).

    Paths that do not exist are kept, so that they are reported as failed inputs.
    """
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            # Hidden files and folders below the given folder are skipped; the folder itself
            # may lie anywhere, also under a hidden one (~/.cache/..., ~/.local/share/...).
            found.extend(sorted(f for f in p.rglob("*") if f.is_file()
                                and f.suffix.lower() in VIDEO_EXTENSIONS
                                and not any(part.startswith(".")
                                            for part in f.relative_to(p).parts)))
        else:
            found.append(p)
    unique: dict[str, Path] = {}
    for f in found:
        unique.setdefault(str(f.resolve()), f)
    return list(unique.values())


def output_names(inputs: list[Path]) -> dict[Path, str]:
    """Output folder name per input: the file stem, made unique with a short path hash."""
    stems: dict[str, int] = {}
    for p in inputs:
        stems[p.stem] = stems.get(p.stem, 0) + 1
    names = {}
    for p in inputs:
        if stems[p.stem] == 1:
            names[p] = p.stem
        else:
            digest = hashlib.sha1(str(p.resolve()).encode()).hexdigest()[:6]
            names[p] = f"{p.stem}-{digest}"
    return names
