"""The single-leg-stance protocol as a time line, and the bone rotations for every frame.

Sign conventions (see README.md of this folder):
- obliquity phi = atan2(zL - zR, xL - xR) of the hip-joint-centre line in the world X-Z plane;
- drop = -phi when the left leg swings, +phi when the right leg swings (positive = the lifted side
  is lower);
- trunk lean is positive toward the stance side.
A rotation rot_y(+a) turns the top of a vertical segment toward +X (the subject's left) and lowers
a point on +X, so the root (pelvis) is rot_y(-phi) and a trunk angle psi toward +X is rot_y(psi).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from .rotations import align, rot_x, rot_y, smootherstep

TRUNK_COMP = {"follows": 0.0, "half": 0.5, "upright": 1.0, "lean": 1.0}


@dataclass
class Hold:
    """One lift-hold-lower cycle on one stance leg."""

    stance_side: str
    target_drop_deg: float
    t_lift: float  # lift starts (end of the double stance before it)
    t_hold: float  # hold starts
    t_lower: float  # lowering starts
    t_down: float  # double stance again
    ramp_delay_s: float
    ramp_dur_s: float
    osc_amp_deg: float
    osc_freq_hz: float
    osc_phase_rad: float
    pelvis_return_s: float
    trunk_lean_target_deg: float = 0.0
    # when the drop starts: "lift" (ramp_delay_s after the start of the lift), "hold" or "late"
    # (ramp_delay_s after the start of the hold)
    drop_onset: str = "hold"
    # change of the lifted leg's hip / knee flexion during the hold (0 = no drift)
    leg_drift_hip_deg: float = 0.0
    leg_drift_knee_deg: float = 0.0
    leg_drift_delay_s: float = 0.0  # from the start of the hold
    leg_drift_dur_s: float = 2.0
    # the stance foot is re-placed once during the hold by this world (dx, dy) in metres
    step_m: tuple = (0.0, 0.0)
    step_delay_s: float = 0.0  # from the start of the hold
    step_dur_s: float = 0.3
    # slow lateral sway of the body over the stance foot during the hold (pelvis obliquity
    # unchanged): amplitude of the pelvis displacement in metres, frequency, phase
    sway_lat_amp_m: float = 0.0
    sway_lat_freq_hz: float = 0.3
    sway_lat_phase_rad: float = 0.0

    @property
    def swing_side(self) -> str:
        return "right" if self.stance_side == "left" else "left"

    @property
    def ramp_start(self) -> float:
        anchor = self.t_lift if self.drop_onset == "lift" else self.t_hold
        return anchor + self.ramp_delay_s

    @property
    def has_drift(self) -> bool:
        return bool(self.leg_drift_hip_deg or self.leg_drift_knee_deg)

    @property
    def has_step(self) -> bool:
        return bool(self.step_m[0] or self.step_m[1])

    def drift_weight(self, ti: float) -> float:
        """0 -> 1 over the drift window; the drifted posture then stays until the leg is down."""
        if not self.has_drift:
            return 0.0
        return float(smootherstep((ti - self.t_hold - self.leg_drift_delay_s)
                                  / self.leg_drift_dur_s))

    def step_weight(self, ti: float) -> float:
        if not self.has_step:
            return 0.0
        return float(smootherstep((ti - self.t_hold - self.step_delay_s) / self.step_dur_s))

    def sway_lat_m(self, ti: float) -> float:
        """Lateral pelvis displacement of the hold sway (world X, metres), 0 outside the hold;
        it fades in and out over 1 s at the ends of the hold."""
        if not self.sway_lat_amp_m or ti < self.t_hold or ti >= self.t_lower:
            return 0.0
        env = min(
            float(smootherstep((ti - self.t_hold) / 1.0)),
            float(smootherstep((self.t_lower - ti) / 1.0)),
        )
        return env * self.sway_lat_amp_m * float(
            np.sin(2 * np.pi * self.sway_lat_freq_hz * (ti - self.t_hold) + self.sway_lat_phase_rad)
        )

    def windows(self, prev_end: float, next_start: float) -> dict:
        r0 = self.ramp_start
        extra = {}
        if self.has_drift:
            d0 = self.t_hold + self.leg_drift_delay_s
            extra["leg_drift"] = [round(d0, 4), round(d0 + self.leg_drift_dur_s, 4)]
        if self.has_step:
            s0 = self.t_hold + self.step_delay_s
            extra["stance_step"] = [round(s0, 4), round(s0 + self.step_dur_s, 4)]
        base = {
            "double_stance_start": [round(prev_end, 4), round(self.t_lift, 4)],
            "lift": [round(self.t_lift, 4), round(self.t_hold, 4)],
            "hold": [round(self.t_hold, 4), round(self.t_lower, 4)],
            "lower": [round(self.t_lower, 4), round(self.t_down, 4)],
            "double_stance_end": [round(self.t_down, 4), round(next_start, 4)],
            "drop_ramp": [round(r0, 4), round(r0 + self.ramp_dur_s, 4)],
        }
        return base | extra


@dataclass
class Motion:
    """Per-clip motion parameters (drawn by the generator, stored in the truth JSON)."""

    swing_hip_flex_deg: float
    swing_knee_flex_deg: float
    swing_foot_plantarflex_deg: float
    stance_adduction_deg: float  # stance thigh, relative to the model's rest pose
    double_stance_adduction_deg: float  # both thighs in double stance (negative = wider)
    swing_adduction_deg: float
    arm_abd_deg: float
    arm_abd_extra_in_stance_deg: float
    arm_forward_deg: float
    elbow_flex_deg: float
    head_level: float  # 0 = the head follows the trunk, 1 = it stays vertical
    sway_amp_deg: float
    sway_freq_hz: float
    sway_phase_rad: float
    ramp_delay_s: float
    ramp_dur_s: float
    osc_amp_deg: float
    osc_freq_hz: float
    osc_phase_rad: float
    pelvis_return_s: float
    holds: list[Hold] = field(default_factory=list)
    arms: str = "relaxed"  # "relaxed" (hanging) or "crossed" (forearms crossed over the chest)

    def as_json(self) -> dict:
        d = asdict(self)
        d.pop("holds")
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in d.items()}


@dataclass
class Timeline:
    t: np.ndarray
    phase: list[str]
    hold_index: np.ndarray  # the hold each frame belongs to (for its sides)
    lift_w: np.ndarray  # 0 = double stance, 1 = fully lifted and shifted
    drop_deg: np.ndarray  # commanded drop, sign relative to the frame's hold
    obliquity_deg: np.ndarray
    lean_deg: np.ndarray  # commanded extra lean toward the stance side
    drift_w: np.ndarray  # 0 -> 1 over the lifted leg's drift window
    step_w: np.ndarray  # 0 -> 1 over the stance foot's re-placement
    sway_lat_m: np.ndarray  # lateral pelvis sway of the hold (world X, metres, commanded)


def build_timeline(motion: Motion, fps: float, n_frames: int) -> Timeline:
    t = np.arange(n_frames) / fps
    holds = motion.holds
    # each frame belongs to the hold whose cycle is nearest (boundaries mid-way in double stance)
    bounds = [-np.inf]
    for a, b in zip(holds[:-1], holds[1:], strict=True):
        bounds.append(0.5 * (a.t_down + b.t_lift))
    bounds.append(np.inf)
    hold_index = np.zeros(n_frames, dtype=int)
    for k in range(len(holds)):
        hold_index[(t >= bounds[k]) & (t < bounds[k + 1])] = k

    sway = motion.sway_amp_deg * np.sin(2 * np.pi * motion.sway_freq_hz * t + motion.sway_phase_rad)
    lift_w = np.zeros(n_frames)
    drop = np.zeros(n_frames)
    lean = np.zeros(n_frames)
    drift_w = np.zeros(n_frames)
    step_w = np.zeros(n_frames)
    sway_lat = np.zeros(n_frames)
    phase = ["double"] * n_frames
    for i, ti in enumerate(t):
        h = holds[hold_index[i]]
        if ti < h.t_lift or ti >= h.t_down:
            w = 0.0
        elif ti < h.t_hold:
            w = float(smootherstep((ti - h.t_lift) / (h.t_hold - h.t_lift)))
            phase[i] = "lift"
        elif ti < h.t_lower:
            w = 1.0
            phase[i] = "hold"
        else:
            w = 1.0 - float(smootherstep((ti - h.t_lower) / (h.t_down - h.t_lower)))
            phase[i] = "lower"
        lift_w[i] = w
        d = _hold_drop(h, ti)
        drop[i] = sway[i] * (1.0 - w) + d
        lean[i] = h.trunk_lean_target_deg * w
        if h.t_hold <= ti < h.t_down:
            drift_w[i] = h.drift_weight(ti)
        if h.t_hold <= ti:
            step_w[i] = h.step_weight(ti)
        sway_lat[i] = h.sway_lat_m(ti)
    # obliquity from drop: drop = -phi for a left swing leg, +phi for a right swing leg
    sign = np.array([-1.0 if holds[k].swing_side == "left" else 1.0 for k in hold_index])
    return Timeline(
        t, phase, hold_index, lift_w, drop, sign * drop, lean, drift_w, step_w, sway_lat
    )


def _hold_drop(h: Hold, ti: float) -> float:
    """Commanded drop of one hold at time ti (0 outside its hold/lower windows)."""

    def plateau(x: float) -> float:
        r = float(smootherstep((x - h.ramp_start) / h.ramp_dur_s))
        osc = h.osc_amp_deg * np.sin(2 * np.pi * h.osc_freq_hz * (x - h.t_hold) + h.osc_phase_rad)
        # the oscillation fades in with the ramp, so the drop starts at exactly 0
        return r * h.target_drop_deg + r * osc

    # drop_onset "lift", or a negative ramp delay, starts the drop during the lift (a drop
    # already there at foot-off); otherwise the drop is exactly 0 until the hold starts
    if ti < h.t_lift or ti >= h.t_down:
        return 0.0
    if ti < h.t_lower:
        return plateau(ti)
    d0 = plateau(h.t_lower)
    return d0 * (1.0 - float(smootherstep((ti - h.t_lower) / h.pelvis_return_s)))


def world_deltas(body, motion: Motion, tl: Timeline, trunk_comp: float) -> list[dict]:
    """Per-frame world delta rotations (see body.py) for the bones we drive."""
    rest_arm = {s: body.direction(f"upperarm01.{s}", f"lowerarm01.{s}") for s in "LR"}
    rest_fore = {s: body.direction(f"lowerarm01.{s}", f"wrist.{s}") for s in "LR"}
    leg_len = {
        s: float(np.linalg.norm(body.head(f"upperleg01.{s}") - body.head(f"foot.{s}")))
        for s in "LR"
    }
    out = []
    for i in range(len(tl.t)):
        h = motion.holds[tl.hold_index[i]]
        st = "L" if h.stance_side == "left" else "R"
        sw = "R" if st == "L" else "L"
        w = tl.lift_w[i]
        phi = tl.obliquity_deg[i]
        sigma = 1.0 if st == "L" else -1.0  # +1 when leaning toward +X is toward the stance side
        spec: dict[str, np.ndarray] = {}
        spec["root"] = rot_y(-phi)
        psi = -phi * (1.0 - trunk_comp) + sigma * tl.lean_deg[i]
        trunk = rot_y(psi)
        spec["spine05"] = trunk
        spec["neck01"] = rot_y(psi * (1.0 - motion.head_level))

        # legs: adduction of a left thigh is rot_y(+a), of a right thigh rot_y(-a)
        def add(side: str, a: float) -> np.ndarray:
            return rot_y(a if side == "L" else -a)

        a_ds = motion.double_stance_adduction_deg
        a_st = a_ds + w * (motion.stance_adduction_deg - a_ds)
        # lateral sway: more adduction of the stance leg moves the pelvis toward the stance
        # side (+X for a left stance leg); the pelvis keeps its obliquity
        sway_x = tl.sway_lat_m[i]
        if sway_x:
            d_add = np.degrees(np.arcsin(np.clip(sway_x / leg_len[st], -0.2, 0.2)))
            a_st += d_add if st == "L" else -d_add
        a_sw = a_ds + w * (motion.swing_adduction_deg - a_ds)
        g_st = add(st, a_st)
        spec[f"upperleg01.{st}"] = g_st
        spec[f"lowerleg01.{st}"] = g_st
        spec[f"foot.{st}"] = np.eye(3)
        hip = (motion.swing_hip_flex_deg + h.leg_drift_hip_deg * tl.drift_w[i]) * w
        knee = (motion.swing_knee_flex_deg + h.leg_drift_knee_deg * tl.drift_w[i]) * w
        pf = motion.swing_foot_plantarflex_deg * w
        g_thigh = add(sw, a_sw) @ rot_x(-hip)
        g_shin = g_thigh @ rot_x(knee)
        spec[f"upperleg01.{sw}"] = g_thigh
        spec[f"lowerleg01.{sw}"] = g_shin
        spec[f"foot.{sw}"] = rot_x(-hip + knee + pf)

        if motion.arms == "crossed":
            for s in "LR":
                up, fore = crossed_arm_directions(s)
                spec[f"upperarm01.{s}"] = trunk @ align(rest_arm[s], up)
                spec[f"lowerarm01.{s}"] = trunk @ align(rest_fore[s], fore)
            out.append(spec)
            continue
        # arms hang from the trunk, slightly away from the body
        for s in "LR":
            lat = 1.0 if s == "L" else -1.0
            abd = motion.arm_abd_deg + (motion.arm_abd_extra_in_stance_deg * w)
            a = np.radians(abd)
            target = np.array([lat * np.sin(a), 0.0, -np.cos(a)])
            target = rot_x(-motion.arm_forward_deg) @ target
            fore = rot_x(-motion.elbow_flex_deg) @ target
            spec[f"upperarm01.{s}"] = trunk @ align(rest_arm[s], target)
            spec[f"lowerarm01.{s}"] = trunk @ align(rest_fore[s], fore)
        out.append(spec)
    return out


def crossed_arm_directions(side: str) -> tuple[np.ndarray, np.ndarray]:
    """Upper-arm and forearm directions (trunk frame) for arms crossed over the chest: the
    elbows in front of the lower ribs, each forearm across the chest toward the other shoulder.
    The left forearm lies a little higher and further forward than the right one, so the two
    cross without meeting."""
    lat = 1.0 if side == "L" else -1.0
    up = np.array([-lat * 0.04, -0.50, -0.865])
    fwd = -0.30 if side == "L" else -0.18
    rise = 0.26 if side == "L" else 0.16
    fore = np.array([-lat * 0.80, fwd, rise])
    return up / np.linalg.norm(up), fore / np.linalg.norm(fore)
