"""The guided webcam self-test: framing check, protocol state machine and recording.

Everything here is plain Python with no Streamlit and no camera, so it can be tested
with hand-made landmarks and a fake pose backend:

* :mod:`.framing`: one frame's framing check and what the protocol reads from it;
* :mod:`.protocol`: the timings, the stages and the state machine of the guided test;
* :mod:`.session`: :class:`LiveSession`, which the webcam callback feeds and the page reads.

The live numbers are guidance only. The recording (unmirrored frames with their real
timestamps) is analysed afterwards by :func:`screening.analyse_video`, exactly like an
uploaded file, and only that analysis produces a result.
"""

from __future__ import annotations

from .framing import FramingCheck, Observation, check_framing, observe
from .protocol import GuidedProtocol, HoldRecord, LiveStatus, LiveTimings, Stage
from .session import LazyPose, LiveSession

__all__ = ["FramingCheck", "GuidedProtocol", "HoldRecord", "LazyPose", "LiveSession",
           "LiveStatus", "LiveTimings", "Observation", "Stage", "check_framing",
           "observe"]
