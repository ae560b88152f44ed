"""Printed pelvis markers: two ArUco markers (DICT_4X4_50, 5 cm) on the pelvis.

Id 0 goes on the subject's **right**, id 1 on the **left**: on the two ASIS in a front view,
on the posterior iliac crests (or a snug belt at that level) in a back view. See
docs/MARKERS.md for placement and what the numbers mean.

* :mod:`.series` — the per-frame container (:class:`MarkerFrame`, :class:`MarkerSeries`)
  and its place in ``landmarks.npz``;
* :mod:`.detect` — finding the two markers in a frame;
* :mod:`.drop` — pelvic drop from the marker line, gap bridging and whether a hold has
  usable marker evidence;
* :mod:`.agreement` — markerless against marker drops over many results (Bland-Altman);
* :mod:`.sheet` — the printable marker sheet (PDF).
"""

from __future__ import annotations

from .series import MARKER_IDS, MarkerFrame, MarkerSeries

__all__ = ["MARKER_IDS", "MarkerFrame", "MarkerSeries"]
