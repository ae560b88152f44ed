"""Reading the ground truth of rendered single-leg-stance clips (one ``NAME.json`` per
``NAME.mp4``; format described in the set's README).

Only what the scoring needs is kept, in project conventions: sides are anatomical,
drop is positive when the lifted-leg side is lower, frame indices are 0-based.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class ClipTruth:
    name: str
    video: Path
    stance_side: str
    lifted_side: str
    t_s: np.ndarray            # (N,)
    phase: np.ndarray          # (N,) "double" / "lift" / "hold" / "lower"
    drop3d_deg: np.ndarray     # (N,) true 3-D pelvic drop, + = lifted-leg side lower
    drop2d_deg: np.ndarray     # (N,) the same seen in the image
    lean3d_deg: np.ndarray     # (N,) trunk lean toward the stance side
    trunk_mode: str
    target_drop_deg: float
    body: str
    renderer: str
    camera_roll_deg: float
    camera_yaw_deg: float
    camera_height_m: float
    camera_distance_m: float
    swing_hip_flex_deg: float
    swing_knee_flex_deg: float
    drop_onset: str = "hold"       # when the drop comes: "lift" (there at foot-off), "hold", "late"
    leg_drift: str = "none"        # the lifted foot during the hold: "none", "sink", "rise"
    view: str = "front"
    clothing: str = "default"
    arms: str = "relaxed"
    markers: str = "none"          # printed pelvis markers rendered: "none", "asis", ...

    @property
    def hold_frames(self) -> np.ndarray:
        return np.flatnonzero(self.phase == "hold")

    @property
    def hold_start_s(self) -> float:
        return float(self.t_s[self.hold_frames[0]])

    @property
    def hold_end_s(self) -> float:
        return float(self.t_s[self.hold_frames[-1]])

    @property
    def true_drop_deg(self) -> float:
        """Median true 3-D drop over the truth ``hold`` phase."""
        return float(np.median(self.drop3d_deg[self.hold_frames]))

    @property
    def true_drop2d_deg(self) -> float:
        return float(np.median(self.drop2d_deg[self.hold_frames]))

    def factors(self) -> dict[str, str]:
        """Categorical factors used to break the scores down."""
        return {
            "trunk_mode": self.trunk_mode,
            "stance_side": self.stance_side,
            "renderer": self.renderer,
            "body": self.body,
            "camera_roll": _bin(abs(self.camera_roll_deg), (2.0, 3.0), "|roll|", "deg"),
            "camera_yaw": _bin(abs(self.camera_yaw_deg), (2.5, 5.0), "|yaw|", "deg"),
            "camera_height": _bin(self.camera_height_m, (0.9, 1.1), "height", "m"),
            "camera_distance": _bin(self.camera_distance_m, (3.0, 4.0), "distance", "m"),
            "swing_hip_flexion": _bin(self.swing_hip_flex_deg, (40.0, 50.0), "hip flex", "deg"),
            "motion": self.motion,
            "view": self.view,
            "clothing": self.clothing,
            "arms": self.arms,
        }

    @property
    def motion(self) -> str:
        """The motion type, as the validation tables name it."""
        if self.leg_drift != "none":
            return f"free leg {'sinks' if self.leg_drift == 'sink' else 'rises'}" + (
                "" if abs(self.target_drop_deg) < 0.5 else f", drop at {self.drop_onset}")
        if self.target_drop_deg < -0.5:
            return "hip hike"
        return {"lift": "drop at foot-off", "hold": "drop after foot-off",
                "late": "late drop"}.get(self.drop_onset, self.drop_onset)


def _bin(value: float, edges: tuple[float, float], label: str, unit: str) -> str:
    lo, hi = edges
    if value < lo:
        return f"{label} < {lo:g} {unit}"
    if value < hi:
        return f"{label} {lo:g}-{hi:g} {unit}"
    return f"{label} >= {hi:g} {unit}"


def load_truth(json_path: str | Path) -> ClipTruth:
    path = Path(json_path)
    d = json.loads(path.read_text())
    gen = d.get("generator", {})
    cam = gen.get("camera", {})
    motion = gen.get("motion", {})
    return ClipTruth(
        name=d.get("name", path.stem),
        video=path.with_name(d.get("video", path.stem + ".mp4")),
        stance_side=d["stance_side"],
        lifted_side=d["swing_side"],
        t_s=np.asarray(d["t_s"], dtype=float),
        phase=np.asarray(d["phase"], dtype=object),
        drop3d_deg=np.asarray(d["drop3d_deg"], dtype=float),
        drop2d_deg=np.asarray(d["drop2d_deg"], dtype=float),
        lean3d_deg=np.asarray(d["trunk_lean3d_deg"], dtype=float),
        trunk_mode=d["trunk_mode"],
        target_drop_deg=float(d["target_drop_deg"]),
        body=str(gen.get("body_id", "unknown")),
        renderer=str(d.get("renderer", "unknown")),
        camera_roll_deg=float(cam.get("roll_deg", np.nan)),
        camera_yaw_deg=float(cam.get("yaw_deg", np.nan)),
        camera_height_m=float(cam.get("height_m", np.nan)),
        camera_distance_m=float(cam.get("distance_m", np.nan)),
        swing_hip_flex_deg=float(motion.get("swing_hip_flex_deg", np.nan)),
        swing_knee_flex_deg=float(motion.get("swing_knee_flex_deg", np.nan)),
        drop_onset=str(motion.get("drop_onset", "hold")),
        leg_drift=_drift(float(motion.get("leg_drift_hip_deg", 0.0) or 0.0),
                         float(motion.get("leg_drift_knee_deg", 0.0) or 0.0)),
        view=str(cam.get("view", gen.get("view", "front"))),
        clothing=str((gen.get("look") or {}).get("clothing", "default")),
        arms=str(motion.get("arms", "relaxed")),
        markers=str((gen.get("markers") or {}).get("placement", "none")
                    if isinstance(gen.get("markers"), dict) else gen.get("markers", "none")),
    )


def _drift(hip_deg: float, knee_deg: float) -> str:
    """Which way the lifted foot goes when the hip and knee flexion drift by these."""
    total = hip_deg + knee_deg
    if abs(hip_deg) < 1.0 and abs(knee_deg) < 1.0:
        return "none"
    return "rise" if total > 0 else "sink"


def labelled_clips(set_dir: str | Path) -> list[ClipTruth]:
    """Every single-hold ``NAME.json`` in ``set_dir`` that has its video next to it.

    Clips with several holds (a ``holds`` list, e.g. both sides in one video) are left
    out: the scores compare one hold per clip.
    """
    out = []
    for p in sorted(Path(set_dir).glob("*.json")):
        try:
            if len(json.loads(p.read_text()).get("holds") or []) > 1:
                continue
            truth = load_truth(p)
        except (KeyError, TypeError, AttributeError, json.JSONDecodeError):
            continue  # not a clip annotation (or still being written)
        if truth.video.exists():
            out.append(truth)
    return out
