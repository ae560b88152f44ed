"""The app's settings, from environment variables (all optional; docs/APP.md).

* ``PELVIC_SCREEN_ICE_SERVERS``  JSON list of WebRTC ICE servers (STUN/TURN) for serving
  the webcam page to other machines; default ``[]`` (this machine only).
* ``PELVIC_SCREEN_LIVE_TIMINGS`` protocol timings, e.g. ``hold=30,baseline=3,countdown=3``
  (also the ``timings`` query parameter).
* ``PELVIC_SCREEN_MAX_UPLOAD_MB`` largest video accepted (default 200).
* ``PELVIC_SCREEN_DATA_DIR``     where the records database lives (default
  ``$XDG_DATA_HOME/pelvic-screen`` or ``~/.local/share/pelvic-screen``).
* ``PELVIC_SCREEN_DATABASE_URL`` another database, e.g. ``postgresql://user@host/db``; a
  database server means several users: the app then asks them to sign in (docs/RECORDS.md).
* ``PELVIC_SCREEN_ICE_LOOPBACK=1`` offer 127.0.0.1 as the only server ICE candidate (for
  tests on a machine with loopback networking only).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from screening.live import LiveTimings
from screening.records import default_data_dir


@dataclass(frozen=True)
class Settings:
    ice_servers: tuple[dict, ...]   # WebRTC ICE servers for the browser and the server
    timings: LiveTimings            # the guided webcam protocol
    max_upload_mb: int              # largest video accepted
    data_dir: Path                  # where the records database lives (SQLite)
    ice_loopback: bool              # the server offers only 127.0.0.1 (loopback-only tests)


def settings_from_env(env: Mapping[str, str] | None = None,
                      timings_param: str | None = None) -> Settings:
    """Read the settings; a bad value raises ValueError naming the variable."""
    env = os.environ if env is None else env
    raw_ice = env.get("PELVIC_SCREEN_ICE_SERVERS", "").strip()
    try:
        ice = json.loads(raw_ice) if raw_ice else []
    except ValueError as exc:
        raise ValueError(f"PELVIC_SCREEN_ICE_SERVERS is not valid JSON: {exc}") from None
    if not isinstance(ice, list) or not all(isinstance(server, dict) for server in ice):
        raise ValueError("PELVIC_SCREEN_ICE_SERVERS must be a JSON list such as "
                         '[{"urls": ["stun:stun.example.org:3478"]}]')
    try:
        timings = LiveTimings.parse(env.get("PELVIC_SCREEN_LIVE_TIMINGS", ""))
        if timings_param:
            timings = LiveTimings.parse(timings_param, timings)
    except ValueError as exc:
        raise ValueError(f"Protocol timings: {exc}") from None
    try:
        max_mb = int(env.get("PELVIC_SCREEN_MAX_UPLOAD_MB", "200"))
    except ValueError:
        raise ValueError("PELVIC_SCREEN_MAX_UPLOAD_MB must be a whole number of megabytes"
                         ) from None
    return Settings(tuple(ice), timings, max_mb, default_data_dir(env),
                    env.get("PELVIC_SCREEN_ICE_LOOPBACK", "") == "1")


def offer_loopback_candidates_only() -> None:
    """Make the WebRTC server offer 127.0.0.1 as its only ICE host candidate.

    The ICE library leaves the loopback address out; on a machine (or a test) with only
    loopback networking the webcam stream could then never connect.
    """
    import aioice.ice

    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]
