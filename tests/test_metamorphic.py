"""Checks that need no labels: how the measurement must behave when the video changes
in a known way (mirror, small rotation, downscaling), and agreement between a front and a
back view of a real person.

Uses the real pose model on 1-2 clips per check. Tolerances were measured on these clips
(the numbers are in docs/VALIDATION.md) and set just above MediaPipe's own frame-to-frame
variation, not loosened to hide a failure.
"""

from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np
import pytest
from clips import transformed
from conftest import SHARED

from screening.analysis import analyse_landmarks
from screening.config import Config
from screening.landmarks import LEFT_ANKLE, LEFT_HIP, RIGHT_ANKLE, RIGHT_HIP
from screening.pipeline import estimate_pose

pytestmark = pytest.mark.model

ESTIMATORS = ("hip_line", "leg")
CLIP = "D15"  # right stance, true +8 deg, trunk follows the pelvis


@pytest.fixture(scope="module")
def pose(model_info):
    from screening.pose.mediapipe_backend import MediaPipePose

    def run(path: Path, max_long_side_px: int | None = 1280):
        with MediaPipePose(model_info) as backend:
            return estimate_pose(path, backend, max_long_side_px=max_long_side_px)
    return run


@pytest.fixture(scope="module")
def shared_root() -> Path:
    shared = SHARED
    if not shared.is_dir():
        pytest.skip(f"shared data folder not available ({shared} is absent)")
    return shared


@pytest.fixture(scope="module")
def clip_path(shared_root) -> Path:
    path = shared_root / "synthetic" / "dev" / f"{CLIP}.mp4"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    return path


@pytest.fixture(scope="module")
def original(pose, clip_path):
    return pose(clip_path)


def first_test(series, estimator: str):
    tests = analyse_landmarks(series, Config().with_changes(estimator=estimator)).holds
    assert tests, "no hold detected"
    return max(tests, key=lambda t: t.hold_duration_s)


def _rotate(deg: float):
    def fn(rgb):
        h, w = rgb.shape[:2]
        m = cv2.getRotationMatrix2D((w / 2, h / 2), deg, 1.0)
        return cv2.warpAffine(rgb, m, (w, h), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REPLICATE)
    return fn


@pytest.fixture(scope="module")
def mirrored(pose, clip_path, tmp_path_factory):
    out = tmp_path_factory.mktemp("meta") / "mirrored.mp4"
    return pose(transformed(clip_path, out, lambda f: f[:, ::-1]))


@pytest.fixture(scope="module")
def rotated(pose, clip_path, tmp_path_factory):
    out = tmp_path_factory.mktemp("meta") / "rotated.mp4"
    return pose(transformed(clip_path, out, _rotate(3.0)))


@pytest.fixture(scope="module")
def downscaled(pose, clip_path, tmp_path_factory):
    out = tmp_path_factory.mktemp("meta") / "small.mp4"
    small = transformed(clip_path, out, lambda f: cv2.resize(
        f, (f.shape[1] // 2 // 2 * 2, f.shape[0] // 2 // 2 * 2), interpolation=cv2.INTER_AREA))
    return pose(small)


MIRROR_XFAIL = pytest.mark.xfail(
    strict=True, reason="MediaPipe is not mirror-equivariant on this clip: mirroring D15 moved "
    "the hold median from -2.46 to +3.53 deg (hip_line); on D09 the same check moved it by "
    "0.40 deg")


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_mirroring_swaps_stance_side(original, mirrored, estimator):
    a, b = first_test(original, estimator), first_test(mirrored, estimator)
    assert b.hold.stance_side != a.hold.stance_side


@pytest.mark.parametrize("estimator", [pytest.param("hip_line", marks=MIRROR_XFAIL), "leg"])
def test_mirroring_keeps_drop(original, mirrored, estimator):
    # A mirror image is the same pelvis seen with left and right exchanged, so the drop
    # must not move by more than half the smallest detectable difference of 2-D video
    # pelvic drop (2.7 deg, Dingenen 2018): 1.5 deg.
    a, b = first_test(original, estimator), first_test(mirrored, estimator)
    assert abs(b.metrics.drop_median_deg - a.metrics.drop_median_deg) < 1.5


ROTATION_XFAIL = pytest.mark.xfail(
    strict=True, reason="on D15 rotated by 3 deg the leg estimator moved by 0.72 deg (0.14 deg "
    "on D09): the foot and ankle landmarks it relies on shift by a pixel or two with the "
    "image, and at D15's hip width of 68 px one pixel of lifted-leg height is about 0.8 deg")

@pytest.mark.parametrize("estimator", ["hip_line",
                                       pytest.param("leg", marks=ROTATION_XFAIL)])
def test_small_camera_rotation_does_not_change_drop(original, rotated, estimator):
    a, b = first_test(original, estimator), first_test(rotated, estimator)
    assert b.hold.stance_side == a.hold.stance_side
    assert abs(b.metrics.drop_median_deg - a.metrics.drop_median_deg) < 0.5


@pytest.mark.parametrize("estimator", ["hip_line", "leg"])
def test_reencoding_at_half_size_does_not_change_drop(original, downscaled, estimator):
    a, b = first_test(original, estimator), first_test(downscaled, estimator)
    assert b.hold.stance_side == a.hold.stance_side
    assert abs(b.metrics.drop_median_deg - a.metrics.drop_median_deg) < 0.5


# --- real person, front (cam02) and back (cam04) views of the same moment --------------

@pytest.fixture(scope="module")
def balancing(shared_root, pose):
    folder = shared_root / "real" / "pose2sim_balancing"
    if not (folder / "cam02.mp4").exists():
        pytest.skip(f"{folder} is absent")
    return folder, {cam: pose(folder / f"{cam}.mp4", None) for cam in ("cam02", "cam04")}


def _reference_tilt(folder: Path, cam: str) -> np.ndarray:
    with open(folder / "reference" / f"{cam}_reference_pelvis_angles.csv") as f:
        return np.array([float(r["hipline_img_tilt_deg"]) for r in csv.DictReader(f)])


def _stance_side(series) -> str:
    """The leg (MediaPipe's label) whose ankle is lower in the image most of the time."""
    left_higher = series.xy_px[:, RIGHT_ANKLE, 1] - series.xy_px[:, LEFT_ANKLE, 1]
    return "right" if np.nanmedian(left_higher) > 0 else "left"


def _image_tilt_deg(series) -> np.ndarray:
    """Hip line against the image horizontal, + when the hip on the image right is higher.

    Label-free (the two hip points are ordered by x), like the reference's
    ``hipline_img_tilt_deg``: in a front view + = subject's left higher, in a back view
    + = subject's right higher.
    """
    a, b = series.xy_px[:, LEFT_HIP], series.xy_px[:, RIGHT_HIP]
    a_right = (a[:, 0] > b[:, 0])[:, None]
    right, left = np.where(a_right, a, b), np.where(a_right, b, a)
    return np.degrees(np.arctan2(left[:, 1] - right[:, 1], right[:, 0] - left[:, 0]))


def _best_lag(a: np.ndarray, b: np.ndarray, max_lag: int) -> tuple[int, float]:
    best = (0, -np.inf)
    for lag in range(-max_lag, max_lag + 1):
        x, y = (a[lag:], b[:len(b) - lag]) if lag >= 0 else (a[:lag], b[-lag:])
        ok = np.isfinite(x) & np.isfinite(y)
        r = float(np.corrcoef(x[ok], y[ok])[0, 1])
        if r > best[1]:
            best = (lag, r)
    return best


@pytest.mark.xfail(strict=True, reason="MediaPipe swaps the left/right hip labels 10 times in "
                   "100 cam02 frames (the swinging leg crosses the view): the median ankle "
                   "height difference is -4.5 px in cam02 against +80 px in cam04, so the "
                   "front view does not name the stance leg reliably")
def test_front_and_back_views_agree_on_stance_side(balancing):
    _, series = balancing
    assert _stance_side(series["cam02"]) == _stance_side(series["cam04"])


def test_front_and_back_views_agree_on_size(balancing):
    _, series = balancing
    front = _image_tilt_deg(series["cam02"])
    back = -_image_tilt_deg(series["cam04"])  # both now: + = subject's left higher
    spread_f = np.nanpercentile(front, 95) - np.nanpercentile(front, 5)
    spread_b = np.nanpercentile(back, 95) - np.nanpercentile(back, 5)
    assert 0.5 < spread_f / spread_b < 2.0
    assert np.corrcoef(front, back)[0, 1] > 0.7


def test_front_view_tracks_the_silver_reference(balancing):
    folder, series = balancing
    ours = _image_tilt_deg(series["cam02"])
    ref = _reference_tilt(folder, "cam02")[: len(ours)]
    lag, r = _best_lag(ours, ref, max_lag=6)  # 0.1 s at 60 fps
    assert r > 0.7
    assert abs(lag) <= 3
