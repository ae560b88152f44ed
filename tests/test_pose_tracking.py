"""The tracking check of the MediaPipe adapter: a tracker that locked onto a wrong body
after a blurred first frame starts again from a fresh detection (the webcam's case: a
stream's first frames are often blurred or low-bitrate)."""

import av
import cv2
import numpy as np
import pytest
from conftest import DEV, SAMPLES

from screening.live.framing import check_framing

pytestmark = pytest.mark.model

CLIP = DEV / "C01.mp4"   # a rendered clip on which the locked-on tracker never recovers
FPS = 15.0


def frames_of(path):
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def body_fill(model_info, frames, *, tracking_check_s):
    """The body's share of the picture height (the webcam's framing number) in each frame,
    and the number of tracking restarts."""
    from screening.pose.mediapipe_backend import MediaPipePose

    h, w = frames[0].shape[:2]
    fill = []
    with MediaPipePose(model_info, people_check_s=None,
                       tracking_check_s=tracking_check_s) as pose:
        for i, rgb in enumerate(frames):
            p = pose.process(rgb, i / FPS)
            fill.append(check_framing(p.xy_px, p.visibility, w, h).body_height_fraction
                        if p.n_people else np.nan)
        return np.array(fill), pose.tracking_restarts


@pytest.mark.skipif(not CLIP.exists(), reason=f"needs the shared dev clips ({CLIP})")
def test_a_tracker_locked_onto_a_blurred_first_frame_starts_again(model_info):
    frames = frames_of(CLIP)
    blurred = cv2.GaussianBlur(frames[0], (0, 0), 8)
    stream = [blurred] * 3 + frames
    sharp = slice(3 + int(1.5 * FPS), None)      # from 1.5 s into the sharp frames
    truth, _ = body_fill(model_info, frames, tracking_check_s=None)
    assert np.nanmin(truth) > 0.55                # the person fills about 60 % of the height
    # without the check the tracker stays on the wrong body: this is what is tested
    stuck, restarts = body_fill(model_info, stream, tracking_check_s=None)
    assert restarts == 0
    assert np.nanmedian(stuck[sharp]) < 0.5, np.round(stuck[sharp], 2)
    # with a check every second it starts again at the first check on a sharp frame
    fixed, restarts = body_fill(model_info, stream, tracking_check_s=1.0)
    assert restarts == 1
    assert np.all(np.abs(fixed[sharp] - truth[sharp.start - 3:]) < 0.02), np.round(
        fixed[sharp], 2)


def test_the_check_leaves_good_tracking_alone(model_info):
    """On a clip with both lifts (the legs moving fast), the tracked pose never strays from
    a fresh detection: no restart, and the landmarks are those without the check."""
    from screening.pose.mediapipe_backend import MediaPipePose

    frames = frames_of(SAMPLES / "both_sides.mp4")
    xy = {}
    for check in (None, 0.2):     # five checks a second, lifts and lowerings included
        with MediaPipePose(model_info, people_check_s=None, tracking_check_s=check) as pose:
            xy[check] = np.stack([pose.process(rgb, i / FPS).xy_px
                                  for i, rgb in enumerate(frames)])
            assert pose.tracking_restarts == 0
    assert np.array_equal(xy[None], xy[0.2], equal_nan=True)
