"""The app's earlier history of results: a JSON file (``history.json``) in the user's data
folder. The records database (screening.records) replaced it and imports it once; this
module still reads and writes the format.

Only numbers are kept (no video, no landmarks). The file is replaced in one step, so it is
never half-written, and a file that cannot be read is moved aside, never overwritten.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
import uuid
from pathlib import Path

from .files import atomic_open
from .results import Result

HISTORY_FILE = "history.json"
_history_lock = threading.Lock()


def history_entry(result: Result, *, source: str, label: str = "",
                  when: dt.datetime | None = None) -> dict:
    """What the history keeps of one result: numbers per hold (the history's ``tests``),
    no video, no landmarks."""
    when = when or dt.datetime.now().astimezone()
    tests = []
    for h in result.holds:
        tests.append({"stance_side": h.stance_side.value,
                      "classification": h.classification.value,
                      "drop_median_deg": h.pelvic_drop.median_deg,
                      "drop_p25_deg": h.pelvic_drop.p25_deg,
                      "drop_p75_deg": h.pelvic_drop.p75_deg,
                      "trunk_lean_median_deg": h.trunk_lean_median_deg,
                      "compensated": h.compensated,
                      "time_to_drop_s": h.time_to_drop_s,
                      "hold_duration_s": h.hold_duration_s})
    return {"id": uuid.uuid4().hex, "recorded_at": when.isoformat(timespec="seconds"),
            "source": source, "video": Path(result.input).name if result.input else "",
            "label": label, "tests": tests}


def load_history(path: Path) -> tuple[list[dict], str | None]:
    """Entries (oldest first) and a problem message if the file could not be read.

    An unreadable file is never overwritten: it is moved aside and kept.
    """
    if not path.exists():
        return [], None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        entries = doc["entries"] if isinstance(doc, dict) else None
        if not isinstance(entries, list):
            raise ValueError("no 'entries' list")
        return entries, None
    except (OSError, ValueError, KeyError) as exc:
        kept = path.with_name(f"{path.name}.unreadable-{dt.datetime.now():%Y%m%d-%H%M%S}")
        try:
            os.replace(path, kept)
        except OSError:
            return [], f"The history file {path} could not be read ({exc}); it was left as is."
        return [], (f"The history file could not be read ({exc}). It was kept as {kept.name} "
                    "and a new history was started.")


def append_history(path: Path, entry: dict) -> None:
    """Add one entry; the file is replaced in one step, so it is never half-written."""
    with _history_lock:
        entries, _ = load_history(path)
        entries.append(entry)
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_open(path, "w", encoding="utf-8") as f:
            json.dump({"schema_version": "1.0", "entries": entries}, f, indent=1)


def read_history(path: Path) -> tuple[list[dict], str | None]:
    """:func:`load_history` under the same lock as :func:`append_history`."""
    with _history_lock:
        return load_history(path)
