"""Hand-made landmark series and tiny videos with known answers (no model needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from screening.encode import H264Writer
from screening.geometry import hip_width_px, mid_hip_px
from screening.landmarks import (
    LEFT_ANKLE,
    LEFT_EAR,
    LEFT_EYE,
    LEFT_FOOT,
    LEFT_HEEL,
    LEFT_HIP,
    LEFT_KNEE,
    LEFT_SHOULDER,
    N_LANDMARKS,
    NOSE,
    RIGHT_ANKLE,
    RIGHT_EAR,
    RIGHT_EYE,
    RIGHT_FOOT,
    RIGHT_HEEL,
    RIGHT_HIP,
    RIGHT_KNEE,
    RIGHT_SHOULDER,
    LandmarkSeries,
)
from screening.pose import PoseFrame

WIDTH, HEIGHT = 540, 960
CENTRE_X = 270.0


def front_pose(*, view: str = "front") -> np.ndarray:
    """(33, 2) pixels of a person standing on both legs facing the camera (subject's left on
    the image right), or with the back to the camera (``view="back"``)."""
    xy = np.full((N_LANDMARKS, 2), np.nan)
    s = 1.0 if view == "front" else -1.0  # +1: the subject's left is toward the image right

    def put(left, right, dx, y):
        xy[left] = (CENTRE_X + s * dx, y)
        xy[right] = (CENTRE_X - s * dx, y)

    xy[NOSE] = (CENTRE_X, 190)
    put(LEFT_EYE, RIGHT_EYE, 12, 180)
    put(LEFT_EAR, RIGHT_EAR, 25, 185)
    put(LEFT_SHOULDER, RIGHT_SHOULDER, 65, 290)
    for j in range(13, 23):  # arms and hands: hang beside the trunk
        side = 1 if j % 2 == 1 else -1
        xy[j] = (CENTRE_X + s * side * 80, 420 + (j - 13) * 4)
    put(LEFT_HIP, RIGHT_HIP, 40, 500)
    put(LEFT_KNEE, RIGHT_KNEE, 42, 690)
    put(LEFT_ANKLE, RIGHT_ANKLE, 44, 880)
    put(LEFT_HEEL, RIGHT_HEEL, 44, 895)
    put(LEFT_FOOT, RIGHT_FOOT, 50, 905)
    return xy


def series_from_xy(xy) -> LandmarkSeries:
    """A fully visible one-person series at 30 fps from (N, 33, 2) pixel positions."""
    xy = np.asarray(xy, dtype=float)
    n = len(xy)
    return LandmarkSeries(t_s=np.arange(n) / 30.0, xy_px=xy, visibility=np.ones((n, 33)),
                          presence=np.ones((n, 33)), world_xyz_m=np.zeros((n, 33, 3)),
                          n_people=np.ones(n, int), luma_mean=np.full(n, 100.0),
                          width_px=WIDTH, height_px=HEIGHT)


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0, 1)
    return x * x * (3 - 2 * x)


def single_leg_series(*, lifted_side: str = "left", drop_deg: float = 6.0, fps: float = 30.0,
                      duration_s: float = 8.0, lift_s: tuple[float, float] = (1.5, 6.5),
                      ramp_s: float = 0.5, lean_deg: float = 0.0, view: str = "front",
                      noise_px: float = 0.0, n_people: int = 1, seed: int = 0
                      ) -> tuple[LandmarkSeries, list[PoseFrame]]:
    """A person on two legs, lifting one foot during ``lift_s`` (foot up over ``ramp_s``)
    while the pelvis drops ``drop_deg`` on the lifted side (and the trunk leans
    ``lean_deg`` toward the stance side), then lowering it. Returns the series and frames."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(round(duration_s * fps))) / fps
    up = _smoothstep((t - lift_s[0]) / ramp_s) * (1 - _smoothstep((t - lift_s[1]) / ramp_s))
    base = front_pose(view=view)
    s = 1.0 if view == "front" else -1.0
    frames = []
    lifted_hip, lifted_knee, lifted_ankle = ((LEFT_HIP, LEFT_KNEE, LEFT_ANKLE)
                                             if lifted_side == "left" else
                                             (RIGHT_HIP, RIGHT_KNEE, RIGHT_ANKLE))
    # image direction (+1 = image right) of the stance side
    stance_dir = (-s) if lifted_side == "left" else s
    for i, ti in enumerate(t):
        xy = base.copy()
        k = up[i]
        # pelvis rotates about the stance hip: the lifted-side hip goes down
        hip_w = hip_width_px(xy)
        dy = np.tan(np.radians(drop_deg * k)) * hip_w
        for j in (lifted_hip, lifted_knee, lifted_ankle):
            xy[j, 1] += dy
        xy[lifted_knee, 1] -= 60 * k
        xy[lifted_ankle, 1] -= 190 * k
        foot = (LEFT_HEEL, LEFT_FOOT) if lifted_side == "left" else (RIGHT_HEEL, RIGHT_FOOT)
        for j in foot:
            xy[j, 1] += dy - 190 * k
        # trunk lean toward the stance side: rotate the upper body about the mid-hip
        if lean_deg:
            mid_hip = mid_hip_px(xy)
            a = np.radians(lean_deg * k) * stance_dir
            for j in list(range(0, 23)):
                v = xy[j] - mid_hip
                xy[j] = mid_hip + (v[0] * np.cos(a) - v[1] * np.sin(a),
                                   v[0] * np.sin(a) + v[1] * np.cos(a))
        if noise_px:
            xy = xy + rng.normal(0, noise_px, xy.shape)
        frames.append(PoseFrame(t_s=float(ti), xy_px=xy, visibility=np.full(N_LANDMARKS, 0.99),
                                presence=np.full(N_LANDMARKS, 0.99),
                                world_xyz_m=np.zeros((N_LANDMARKS, 3)), n_people=n_people,
                                luma_mean=120.0))
    return LandmarkSeries.from_frames(frames, width_px=WIDTH, height_px=HEIGHT), frames


class ReplayBackend:
    """A PoseBackend that returns the prepared frame nearest in time to the frame it is
    given (for pipeline tests; frames left out by the pose frame-rate cap stay aligned)."""

    def __init__(self, frames: list[PoseFrame]) -> None:
        self.frames = frames
        self.times = np.array([f.t_s for f in frames], dtype=float)
        self.calls = 0
        self.closed = False

    def process(self, rgb: np.ndarray, t_s: float) -> PoseFrame:
        frame = self.frames[int(np.argmin(np.abs(self.times - t_s)))]
        self.calls += 1
        return PoseFrame(t_s=t_s, xy_px=frame.xy_px, visibility=frame.visibility,
                         presence=frame.presence, world_xyz_m=frame.world_xyz_m,
                         n_people=frame.n_people, luma_mean=float(rgb.mean()))

    def close(self) -> None:
        self.closed = True


def write_video(path: Path, frames_rgb, fps: int = 30) -> Path:
    """Encode RGB frames (H, W, 3 uint8) at a constant ``fps`` as an H.264 mp4 laid out
    as cameras write it (the index at the end)."""
    with H264Writer(path, fps=fps, faststart=False) as writer:
        for i, rgb in enumerate(frames_rgb):
            writer.write(rgb, i / fps)
    return path


def plain_frames(n: int, *, width: int = WIDTH, height: int = HEIGHT, value: int = 120):
    for i in range(n):
        img = np.full((height, width, 3), value, np.uint8)
        img[:, (i * 3) % width] = 255 - value  # a moving line so frames differ
        yield img
