"""Render one synthetic single-leg-stance clip with exact ground truth.

    python -m tools.synth.generate --out OUT_DIR --name NAME --seed 7 [options]

Writes OUT_DIR/NAME.mp4 (H.264, yuv420p, portrait) and OUT_DIR/NAME.json (ground truth).
Everything not given on the command line is drawn from --seed, so a seed and the same options
give the same clip.  See tools/synth/README.md for the truth format.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a script: make `tools.synth` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    __package__ = "tools.synth"

from screening.encode import H264Writer  # noqa: E402
from tools.synth import body as body_mod  # noqa: E402
from tools.synth import markers as markers_mod  # noqa: E402
from tools.synth.motion import TRUNK_COMP, Hold, Motion, build_timeline, world_deltas  # noqa: E402
from tools.synth.scene import (  # noqa: E402
    SENSOR_LONG_SIDE_MM,
    Renderer,
    look_at_camera,
    room_meshes,
    srgb8_colours,
)

GENERATOR_VERSION = "1"

BODY_PRESETS = {
    "male_avg": dict(gender=0.0, age=0.68, muscle=0.5, weight=0.5, height=0.55, proportions=0.5),
    "female_avg": dict(gender=1.0, age=0.68, muscle=0.5, weight=0.5, height=0.45, proportions=0.5),
    "male_heavy": dict(
        gender=0.1, age=0.75, muscle=0.45, weight=0.85, height=0.5, proportions=0.45
    ),
    "female_tall_slim": dict(
        gender=0.95, age=0.7, muscle=0.45, weight=0.25, height=0.8, proportions=0.6
    ),
    "male_muscular": dict(
        gender=0.0, age=0.7, muscle=0.9, weight=0.6, height=0.6, proportions=0.55
    ),
    "female_old": dict(
        gender=1.0, age=0.95, muscle=0.35, weight=0.6, height=0.35, proportions=0.45
    ),
    "male_old_thin": dict(
        gender=0.05, age=1.0, muscle=0.3, weight=0.2, height=0.5, proportions=0.5
    ),
    "female_heavy": dict(gender=0.9, age=0.72, muscle=0.4, weight=0.9, height=0.4, proportions=0.4),
    "mixed_short": dict(
        gender=0.5, age=0.68, muscle=0.5, weight=0.55, height=0.15, proportions=0.5
    ),
    "male_tall": dict(
        gender=0.0, age=0.68, muscle=0.55, weight=0.45, height=0.95, proportions=0.55
    ),
}

CLOTHES = [
    [0.6, 0.05, 0.05],
    [0.05, 0.12, 0.45],
    [0.08, 0.3, 0.1],
    [0.7, 0.6, 0.1],
    [0.9, 0.9, 0.9],
    [0.05, 0.05, 0.05],
    [0.35, 0.1, 0.45],
    [0.05, 0.4, 0.5],
    [0.8, 0.35, 0.05],
    [0.4, 0.4, 0.42],
]
SKINS = [
    [0.8, 0.55, 0.42],
    [0.62, 0.4, 0.28],
    [0.45, 0.28, 0.18],
    [0.25, 0.14, 0.08],
    [0.9, 0.66, 0.52],
    [0.55, 0.36, 0.22],
]
HAIRS = [
    [0.06, 0.04, 0.03],
    [0.3, 0.17, 0.07],
    [0.55, 0.45, 0.3],
    [0.02, 0.02, 0.02],
    [0.5, 0.5, 0.5],
]


def r3(x) -> list:
    return [round(float(v), 4) for v in x]


# ---------------------------------------------------------------------------- parameters
def draw_params(args) -> dict:
    """Draw every clip parameter from the seed; command-line values override the draw."""
    rng = np.random.default_rng(args.seed)

    def pick(val, draw):
        d = draw()  # always draw, so that overriding one value does not shift the others
        return d if val is None else val

    u = rng.uniform
    stance = pick(args.stance, lambda: str(rng.choice(["left", "right"])))
    drop = pick(args.drop, lambda: float(rng.choice([-2, 0, 2, 4, 6, 8, 10])))
    trunk = pick(args.trunk, lambda: str(rng.choice(["follows", "half", "upright", "lean"])))
    lean_t = pick(args.lean, lambda: round(u(5, 10), 2))
    if trunk != "lean":
        lean_t = 0.0
    preset = pick(args.body, lambda: str(rng.choice(sorted(BODY_PRESETS))))
    if preset == "random":
        phen = dict(
            gender=u(0, 1),
            age=u(0.62, 1.0),
            muscle=u(0.2, 0.9),
            weight=u(0.15, 0.9),
            height=u(0.1, 0.95),
            proportions=u(0.35, 0.65),
        )
        phen = {k: round(v, 3) for k, v in phen.items()}
    else:
        phen = dict(BODY_PRESETS[preset])
        jit = rng.uniform(-0.05, 0.05, 6)  # a little per-clip variation around the preset
        phen = {
            k: round(float(np.clip(v + j, 0, 1)), 3)
            for (k, v), j in zip(phen.items(), jit, strict=True)
        }
        phen["age"] = max(phen["age"], 0.6)
    view = pick(args.view, lambda: "front")

    motion = dict(
        swing_hip_flex_deg=round(u(30, 60), 2),
        swing_knee_flex_deg=round(u(60, 90), 2),
        swing_foot_plantarflex_deg=round(u(5, 25), 2),
        stance_adduction_deg=round(u(3.5, 7.0), 2),
        double_stance_adduction_deg=round(u(-2.5, 1.5), 2),
        swing_adduction_deg=round(u(1.0, 5.0), 2),
        arm_abd_deg=round(u(10, 18), 2),
        arm_abd_extra_in_stance_deg=round(u(0, 8), 2),
        arm_forward_deg=round(u(0, 8), 2),
        elbow_flex_deg=round(u(4, 18), 2),
        head_level=round(u(0.0, 0.6), 2),
        sway_amp_deg=round(u(0.05, 0.3), 3),
        sway_freq_hz=round(u(0.2, 0.4), 3),
        sway_phase_rad=round(u(0, 2 * np.pi), 3),
        ramp_delay_s=round(u(0, 0.3), 3),
        ramp_dur_s=round(u(1.0, 1.5), 3),
        osc_amp_deg=0.3,
        osc_freq_hz=round(u(0.4, 0.6), 3),
        osc_phase_rad=round(u(0, 2 * np.pi), 3),
        pelvis_return_s=round(u(0.45, 0.65), 3),
    )
    if args.hip_flex is not None:
        motion["swing_hip_flex_deg"] = args.hip_flex
    if args.knee_flex is not None:
        motion["swing_knee_flex_deg"] = args.knee_flex
    if args.ramp_delay is not None:
        motion["ramp_delay_s"] = args.ramp_delay

    shirt_i, shorts_i = rng.choice(len(CLOTHES), 2, replace=False)
    look = dict(
        skin=SKINS[int(rng.integers(len(SKINS)))],
        shirt=CLOTHES[int(shirt_i)],
        shorts=CLOTHES[int(shorts_i)],
        shoes=[[0.5, 0.3, 0.1], [0.9, 0.9, 0.9], [0.05, 0.05, 0.05], [0.2, 0.2, 0.5]][
            int(rng.integers(4))
        ],
        hair=HAIRS[int(rng.integers(len(HAIRS)))],
        long_sleeves=bool(rng.uniform() < 0.3),
        long_pants=bool(rng.uniform() < 0.35),
    )
    bg_kind = pick(
        args.background, lambda: str(rng.choice(["plain", "gradient", "noise", "panels"]))
    )
    wall = rng.uniform(0.15, 0.75, 3) * rng.uniform(0.6, 1.0)
    background = dict(
        kind=bg_kind,
        wall_dist_m=round(u(1.5, 3.0), 3),
        wall=r3(wall),
        wall2=r3(np.clip(wall * rng.uniform(0.4, 1.4, 3), 0, 1)),
        noise_scale=round(u(2, 8), 2),
        panels=int(rng.integers(5, 14)),
        floor=r3(rng.uniform(0.12, 0.5, 3)),
        floor_kind=str(rng.choice(["plain", "tiles"])),
        floor_tile_m=round(u(0.3, 0.8), 2),
        skirting_m=round(u(0.0, 0.15), 3),
    )
    light = dict(
        key_elev=round(u(25, 65), 1),
        key_azim=round(u(-45, 45), 1),
        key_strength=round(u(0.8, 1.3), 3),
        key_color=r3([1.0, u(0.92, 1.0), u(0.85, 1.0)]),
        fill_strength=round(u(0.2, 0.5), 3),
        ambient=round(u(0.25, 0.45), 3),
    )
    camera = dict(
        distance_m=round(pick(args.cam_distance, lambda: u(2.3, 4.5)), 3),
        height_m=round(pick(args.cam_height, lambda: u(0.7, 1.3)), 3),
        roll_deg=round(pick(args.cam_roll, lambda: u(-4, 4)), 2),
        yaw_deg=round(pick(args.cam_yaw, lambda: u(-10, 10)), 2),
        fill=round(pick(args.fill, lambda: u(0.6, 0.78)), 3),
    )
    extra = draw_extra(args, motion, look)
    return dict(
        extra=extra,
        stance=stance,
        drop=drop,
        trunk=trunk,
        lean=lean_t,
        phenotype=phen,
        body_id=preset,
        view=view,
        motion=motion,
        look=look,
        background=background,
        light=light,
        camera=camera,
    )


CONTRAST_PAIRS = [(4, 5), (5, 4), (4, 1), (3, 5), (4, 6), (9, 5), (4, 0)]  # (shirt, shorts)


def draw_extra(args, motion: dict, look: dict) -> dict:
    """Parameters of the newer motion and look options.  They come from a second random stream
    of the seed, so that clips made with the older options alone stay as they were."""
    rng = np.random.default_rng([args.seed, 31])
    u = rng.uniform
    hold_s = args.hold_duration
    onset = args.drop_onset or "hold"
    d_lift = (round(u(0.0, 0.2), 3), round(u(0.6, 0.9), 3))
    late_dur = round(u(1.0, 2.0), 3)
    if hold_s >= 14.0:
        hi = min(30.0, hold_s - late_dur - 2.0)
        late_delay = round(u(10.0, max(10.0, hi)), 3)
    else:
        hi = min(4.0, hold_s - late_dur - 0.5)
        late_delay = round(u(min(1.5, hi), max(1.5, hi)), 3)
    if onset == "lift":
        ramp_delay, ramp_dur = d_lift
    elif onset == "late":
        ramp_delay, ramp_dur = late_delay, late_dur
    else:
        ramp_delay, ramp_dur = motion["ramp_delay_s"], motion["ramp_dur_s"]
    if args.ramp_delay is not None:
        ramp_delay = args.ramp_delay
    # lifted-leg drift
    drift_delay = round(u(1.0, max(2.0, min(0.5 * hold_s, 12.0))), 3)
    drift_dur = round(u(1.5, 2.5), 3)
    if hold_s < drift_delay + drift_dur + 0.3:
        drift_delay = round(max(0.2, hold_s - drift_dur - 0.3), 3)
    dh, dk = args.leg_drift if args.leg_drift else (0.0, 0.0)
    # lateral sway and a stance-foot re-placement
    sway_amp = args.sway_mm / 1000.0 if args.sway_mm else 0.0
    sway_f = round(u(0.2, 0.5), 3) if args.sway_freq is None else args.sway_freq
    sway_ph = round(u(0, 2 * np.pi), 3)
    step_dir = u(0, 2 * np.pi)
    step_len = (args.step_mm / 1000.0) if args.step_mm else 0.0
    step = (round(step_len * np.cos(step_dir), 4), round(step_len * np.sin(step_dir), 4))
    step_delay = round(u(1.0, max(1.0, hold_s - 1.5)), 3)
    step_dur = round(u(0.25, 0.4), 3)
    # clothing variant colours
    clothing = args.clothing or "default"
    pair = CONTRAST_PAIRS[int(rng.integers(len(CONTRAST_PAIRS)))]
    if clothing == "shorts_contrast":
        look["shirt"], look["shorts"] = CLOTHES[pair[0]], CLOTHES[pair[1]]
        look["long_pants"] = False
    if clothing == "bare_torso":
        look["long_sleeves"] = False
    if clothing == "belt":
        look["belt"] = [[0.03, 0.025, 0.02], [0.12, 0.06, 0.03], [0.02, 0.02, 0.02]][
            int(rng.integers(3))
        ]
    look["clothing"] = clothing
    return dict(
        drop_onset=onset,
        hold_duration_s=hold_s,
        ramp_delay_s=float(ramp_delay),
        ramp_dur_s=float(ramp_dur),
        leg_drift_hip_deg=float(dh),
        leg_drift_knee_deg=float(dk),
        leg_drift_delay_s=drift_delay if (dh or dk) else 0.0,
        leg_drift_dur_s=drift_dur if (dh or dk) else 0.0,
        sway_lat_amp_m=sway_amp,
        sway_lat_freq_hz=sway_f if sway_amp else 0.0,
        sway_lat_phase_rad=sway_ph if sway_amp else 0.0,
        step_m=step,
        step_delay_s=step_delay if step_len else 0.0,
        step_dur_s=step_dur if step_len else 0.0,
        arms=args.arms,
        clothing=clothing,
    )


# ---------------------------------------------------------------------------- clip
def make_holds(p: dict, args) -> list[Hold]:
    m = p["motion"]
    common = dict(
        ramp_delay_s=m["ramp_delay_s"],
        ramp_dur_s=m["ramp_dur_s"],
        osc_amp_deg=m["osc_amp_deg"],
        osc_freq_hz=m["osc_freq_hz"],
        osc_phase_rad=m["osc_phase_rad"],
        pelvis_return_s=m["pelvis_return_s"],
    )
    lean = p["lean"]
    if not args.both_sides:
        x = p["extra"]
        common.update(ramp_delay_s=x["ramp_delay_s"], ramp_dur_s=x["ramp_dur_s"])
        v3 = {k: x[k] for k in (
            "drop_onset", "leg_drift_hip_deg", "leg_drift_knee_deg", "leg_drift_delay_s",
            "leg_drift_dur_s", "step_m", "step_delay_s", "step_dur_s", "sway_lat_amp_m",
            "sway_lat_freq_hz", "sway_lat_phase_rad")}
        if not (x["leg_drift_hip_deg"] or x["leg_drift_knee_deg"]):
            v3["leg_drift_dur_s"] = 2.0  # unused
        if not (x["step_m"][0] or x["step_m"][1]):
            v3["step_dur_s"] = 0.3  # unused
        t_lower = 2.3 + x["hold_duration_s"]
        return [
            Hold(p["stance"], p["drop"], 1.5, 2.3, t_lower, t_lower + 0.8,
                 trunk_lean_target_deg=lean, **common, **v3)
        ]
    drops = args.both_drops if args.both_drops else [p["drop"], p["drop"]]
    first = args.both_first_stance
    second = "left" if first == "right" else "right"
    return [
        Hold(first, float(drops[0]), 1.5, 2.3, 6.5, 7.3, trunk_lean_target_deg=lean, **common),
        Hold(second, float(drops[1]), 8.8, 9.6, 13.8, 14.6, trunk_lean_target_deg=lean, **common),
    ]


def place_camera(p: dict, stature: float, look_at_z: float, width: int, height: int, facing: int):
    c = p["camera"]
    yaw = np.radians(c["yaw_deg"])
    d = c["distance_m"]
    look_at = np.array([0.0, 0.0, look_at_z])
    # facing -1: camera in front (at -Y); positive yaw moves it toward the subject's left (+X)
    pos = np.array([d * np.sin(yaw), facing * d * np.cos(yaw), c["height_m"]])
    # focal length so that the standing body fills the wanted fraction of the frame height
    dist3 = np.linalg.norm(pos - look_at)
    focal_px = c["fill"] * height * dist3 / stature
    cam = look_at_camera(pos, look_at, c["roll_deg"], width, height, focal_px)
    return cam, look_at


def compute_truth(joints3d: dict, cam, holds: list[Hold], tl, facing: int = -1) -> dict:
    """Per-frame truth.  In a back view (facing +1) the subject's left is on the image left, so
    image x differences are mirrored first: the 2-D angles keep their meaning (positive drop =
    lifted side lower, positive lean = toward the stance side) in both views."""
    px = {k: cam.project(v) for k, v in joints3d.items()}
    mx = -1.0 if facing > 0 else 1.0
    n = len(tl.t)
    stance = [holds[k].stance_side for k in tl.hold_index]
    s_swing_left = np.array([st == "right" for st in stance])  # swing left <=> stance right
    hl, hr = joints3d["hip_L"], joints3d["hip_R"]
    obl3 = np.degrees(np.arctan2(hl[:, 2] - hr[:, 2], hl[:, 0] - hr[:, 0]))
    drop3 = np.where(s_swing_left, -obl3, obl3)
    pl, pr = px["hip_L"], px["hip_R"]
    alpha = np.degrees(np.arctan2(-(pl[:, 1] - pr[:, 1]), mx * (pl[:, 0] - pr[:, 0])))
    drop2 = np.where(s_swing_left, -alpha, alpha)
    stance_left = ~s_swing_left
    # trunk lean: mid-shoulder minus mid-HJC
    v2 = 0.5 * (px["shoulder_L"] + px["shoulder_R"]) - 0.5 * (pl + pr)
    lean2 = np.degrees(np.arctan2(mx * v2[:, 0], -v2[:, 1]))
    lean2 = np.where(stance_left, lean2, -lean2)
    v3 = 0.5 * (joints3d["shoulder_L"] + joints3d["shoulder_R"]) - 0.5 * (hl + hr)
    lean3 = np.degrees(np.arctan2(v3[:, 0], v3[:, 2]))
    lean3 = np.where(stance_left, lean3, -lean3)
    flex = np.zeros(n)
    for i in range(n):
        s = "L" if not stance_left[i] else "R"
        th = joints3d[f"knee_{s}"][i] - joints3d[f"hip_{s}"][i]
        flex[i] = np.degrees(np.arctan2(-th[1], -th[2]))
    return dict(drop3d=drop3, drop2d=drop2, lean2d=lean2, lean3d=lean3, hip_flex=flex, px=px)


def render_clip(args) -> dict:
    t_start = time.time()
    p = draw_params(args)
    fps, w_px, h_px = args.fps, args.width, args.height
    holds = make_holds(p, args)
    duration = args.duration or (16.5 if args.both_sides else holds[0].t_down + 0.7)
    n_frames = int(round(duration * fps))
    m = p["motion"]
    x = p["extra"]
    motion = Motion(**m, holds=holds, arms=x["arms"])
    comp = TRUNK_COMP[p["trunk"]]
    tl = build_timeline(motion, fps, n_frames)

    body = body_mod.Body(p["phenotype"])
    verts, heads = body.pose(world_deltas(body, motion, tl, comp))

    # world placement: neutral double stance puts the lowest foot vertex on the floor (Z = 0)
    # and the mid-ankle point at X = Y = 0; the stance ankle then stays where it is in that pose.
    neutral = Motion(**{**m, "sway_amp_deg": 0.0}, holds=holds, arms=x["arms"])
    tl0 = build_timeline(neutral, fps, 1)
    v0, h0 = body.pose(world_deltas(body, neutral, tl0, comp))
    ia = {s: body.index[f"foot.{s}"] for s in "LR"}
    groups = body.vertex_groups(p["look"]["long_sleeves"], p["look"]["long_pants"])
    feet = groups == 3
    mid = 0.5 * (h0[0, ia["L"]] + h0[0, ia["R"]])
    shift0 = np.array([-mid[0], -mid[1], -v0[0][feet, 2].min()])
    ankle_world = {s: h0[0, ia[s]] + shift0 for s in "LR"}
    trans = np.zeros((n_frames, 3))
    step_off = np.zeros((n_frames, 3))
    for i in range(n_frames):
        hk = holds[tl.hold_index[i]]
        s = "L" if hk.stance_side == "left" else "R"
        step_off[i, :2] = tl.step_w[i] * np.asarray(hk.step_m, float)
        trans[i] = ankle_world[s] + step_off[i] - heads[i, ia[s]]
    verts = verts + trans[:, None, :]
    heads = heads + trans[:, None, :]
    joints3d = {k: heads[:, body.index[b]] for k, b in body_mod.JOINT_BONES.items()}

    # lowest point of the lifted foot above the floor
    rest_x = body.ident_vertices[:, 0]
    foot_min_z = np.zeros(n_frames)
    for i in range(n_frames):
        sw_left = holds[tl.hold_index[i]].swing_side == "left"
        sel = feet & ((rest_x > 0) if sw_left else (rest_x < 0))
        foot_min_z[i] = verts[i][sel, 2].min()

    stature = float(v0[0][:, 2].max() - v0[0][:, 2].min())
    facing = -1 if p["view"] == "front" else 1
    look_z = stature * args.look_at_frac
    cam, look_at = place_camera(p, stature, look_z, w_px, h_px, facing)

    truth = compute_truth(joints3d, cam, holds, tl, facing)

    # colours; clothing variants cut the mesh along straight hems (rest pose)
    look = p["look"]
    palette = np.array(
        [look["skin"], look["shirt"], look["shorts"], look["shoes"], look["hair"],
         look.get("belt", [0.03, 0.025, 0.02])]
    )
    cut, labels, cloth_levels = body_mod.clothing_mesh(body, groups, x["clothing"])
    look["clothing_levels"] = cloth_levels
    vcols = srgb8_colours(palette[labels])
    faces = cut.faces
    verts_orig = verts
    verts = cut.expand(verts) if cut.n > len(groups) else verts
    room = room_meshes(p["background"], facing, args.seed)
    renderer = Renderer(cam, room, p["light"], facing)
    mk = setup_markers(args, p, body, holds, tl, heads, verts_orig, joints3d, renderer,
                       srgb8_colours(np.array([look["skin"]]))[0])

    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    mp4 = out_dir / f"{args.name}.mp4"
    tmp = out_dir / f".{args.name}.partial.mp4"
    # projection check: extreme vertices of the body vs. the rendered silhouette
    check_frames = sorted({0, n_frames // 2, n_frames - 1} | set(args.check_frames or []))
    proj_dev = []
    for i in check_frames:
        mask = renderer.body_mask(verts[i], faces)
        proj_dev.append(silhouette_deviation(mask, cam.project(verts[i])))
    t_render0 = time.time()
    writer = H264Writer(tmp, fps=fps, crf=args.crf, preset=args.preset, size_px=(w_px, h_px),
                        faststart=False)
    for i in range(n_frames):
        if mk is not None:
            mk.before_frame(i)
        img = renderer.render(verts[i], faces, vcols)
        if mk is not None:
            mk.after_frame(i, renderer.last_depth)
        writer.write(img, i / fps)
        if args.debug_frames and i in args.debug_frames:
            from PIL import Image

            Image.fromarray(img).save(out_dir / f"{args.name}_f{i:03d}.png")
        if args.verbose and i % 30 == 0:
            print(f"  frame {i}/{n_frames} {time.time() - t_render0:.1f}s", flush=True)
    writer.close()
    renderer.close()
    render_s = time.time() - t_render0
    os.replace(tmp, mp4)

    # per-frame fill of the body in the first frame
    p0 = cam.project(verts[0])
    fill = float((p0[:, 1].max() - p0[:, 1].min()) / h_px)
    in_frame = bool(
        (p0[:, 0].min() >= 0)
        and (p0[:, 0].max() <= w_px)
        and (p0[:, 1].min() >= 0)
        and (p0[:, 1].max() <= h_px)
    )
    allp = cam.project(verts_orig.reshape(-1, 3)).reshape(n_frames, -1, 2)
    always_in = bool(
        (allp.min() >= 0) and (allp[..., 0].max() <= w_px) and (allp[..., 1].max() <= h_px)
    )

    single = len(holds) == 1
    h = holds[0]
    windows = []
    for k, hk in enumerate(holds):
        prev_end = 0.0 if k == 0 else holds[k - 1].t_down
        nxt = duration if k == len(holds) - 1 else holds[k + 1].t_lift
        windows.append(hk.windows(prev_end, nxt))
    c2w = cam.cam_to_world
    cam_json = dict(
        view=p["view"],
        position_m=r3(c2w[:3, 3]),
        distance_m=p["camera"]["distance_m"],
        height_m=p["camera"]["height_m"],
        roll_deg=p["camera"]["roll_deg"],
        yaw_deg=p["camera"]["yaw_deg"],
        look_at_m=r3(look_at),
        focal_length_mm_fullframe_equiv=round(cam.focal_px / h_px * SENSOR_LONG_SIDE_MM, 3),
        sensor_long_side_mm=SENSOR_LONG_SIDE_MM,
        focal_length_px=round(cam.focal_px, 4),
        principal_point_px=[w_px / 2.0, h_px / 2.0],
        vertical_fov_deg=round(cam.vertical_fov_deg(), 4),
        body_fill_fraction=round(fill, 4),
        body_fill_target=p["camera"]["fill"],
        body_in_frame_all_frames=always_in,
        stature_m=round(stature, 4),
        cam_to_world=[[round(float(x), 6) for x in row] for row in c2w],
    )
    trunk_lean_target = p["lean"] if p["trunk"] == "lean" else 0.0
    motion_json = motion.as_json()
    if not single:
        motion_json.pop("ramp_delay_s", None)
    else:
        motion_json.update(
            ramp_delay_s=h.ramp_delay_s,
            ramp_dur_s=h.ramp_dur_s,
            drop_onset=h.drop_onset,
            hold_duration_s=round(h.t_lower - h.t_hold, 4),
            leg_drift_hip_deg=h.leg_drift_hip_deg,
            leg_drift_knee_deg=h.leg_drift_knee_deg,
            leg_drift_delay_s=h.leg_drift_delay_s,
            leg_drift_dur_s=h.leg_drift_dur_s if h.has_drift else 0.0,
            sway_lat_amp_m=h.sway_lat_amp_m,
            sway_lat_freq_hz=h.sway_lat_freq_hz,
            sway_lat_phase_rad=h.sway_lat_phase_rad,
            stance_step_m=list(h.step_m),
            stance_step_delay_s=h.step_delay_s,
            stance_step_dur_s=h.step_dur_s if h.has_step else 0.0,
        )
    doc = dict(
        name=args.name,
        set=args.set_name,
        video=mp4.name,
        fps=fps,
        n_frames=n_frames,
        width=w_px,
        height=h_px,
        duration_s=round(n_frames / fps, 4),
        renderer="pyrender",
        render_settings=dict(
            renderer="pyrender",
            renderer_version=_version("pyrender"),
            backend=os.environ.get("PYOPENGL_PLATFORM", "osmesa")
            .upper()
            .replace("OSMESA", "OSMesa"),
            encoder=f"PyAV libx264 crf {args.crf} preset {args.preset} yuv420p",
            projection_check_max_px=round(float(max(proj_dev)), 4),
            projection_check="extreme body vertices projected with the camera model vs. the "
            "rendered silhouette bounding box, frames " + str(check_frames),
            render_s=round(render_s, 2),
            s_per_frame=round(render_s / n_frames, 4),
            total_s=round(time.time() - t_start, 2),
        ),
        stance_side=h.stance_side if single else "both",
        swing_side=h.swing_side if single else "both",
        target_drop_deg=h.target_drop_deg if single else None,
        trunk_mode=p["trunk"],
        trunk_comp=comp,
        trunk_lean_target_deg=trunk_lean_target,
        phase_windows_s=windows[0] if single else None,
        generator=dict(
            name="tools.synth.generate",
            version=GENERATOR_VERSION,
            body_model=f"anny {body_mod.anny_version()} (default anny rig and topology; "
            "MakeHuman/MPFB2 CC0 data)",
            body_id=p["body_id"],
            phenotype=p["phenotype"],
            motion=motion_json,
            look=look,
            background=p["background"],
            light=p["light"],
            seed=args.seed,
            camera=cam_json,
            command=" ".join(sys.argv[1:]) if args.record_command else None,
        ),
    )
    if not single:
        doc["holds"] = [
            dict(
                stance_side=hk.stance_side,
                swing_side=hk.swing_side,
                target_drop_deg=hk.target_drop_deg,
                phase_windows_s=windows[k],
            )
            for k, hk in enumerate(holds)
        ]
        doc["hold_index"] = [int(k) for k in tl.hold_index]
        doc["stance_side_per_frame"] = [holds[k].stance_side for k in tl.hold_index]
    doc.update(
        t_s=[round(float(x), 4) for x in tl.t],
        phase=list(tl.phase),
        drop_cmd_deg=[round(float(x), 6) for x in tl.drop_deg],
        drop3d_deg=[round(float(x), 6) for x in truth["drop3d"]],
        drop2d_deg=[round(float(x), 4) for x in truth["drop2d"]],
        trunk_lean2d_deg=[round(float(x), 4) for x in truth["lean2d"]],
        trunk_lean3d_deg=[round(float(x), 4) for x in truth["lean3d"]],
        swing_hip_flexion_deg=[round(float(x), 3) for x in truth["hip_flex"]],
        swing_hip_flexion_cmd_deg=[
            round(float((m["swing_hip_flex_deg"] + holds[k].leg_drift_hip_deg * dw) * w), 3)
            for k, w, dw in zip(tl.hold_index, tl.lift_w, tl.drift_w, strict=True)
        ],
        swing_knee_flexion_cmd_deg=[
            round(float((m["swing_knee_flex_deg"] + holds[k].leg_drift_knee_deg * dw) * w), 3)
            for k, w, dw in zip(tl.hold_index, tl.lift_w, tl.drift_w, strict=True)
        ],
        swing_foot_min_z_m=[round(float(z), 4) for z in foot_min_z],
        stance_foot_offset_m=[[round(float(a), 5), round(float(b), 5)] for a, b, _ in step_off],
        pelvis_sway_cmd_m=[round(float(v), 5) for v in tl.sway_lat_m],
        joints_px={
            k: [[round(float(a), 4), round(float(b), 4)] for a, b in v]
            for k, v in truth["px"].items()
        },
        joints3d_m={k: [[round(float(c), 6) for c in x] for x in v] for k, v in joints3d.items()},
    )
    if mk is not None:
        doc["generator"]["markers"] = mk.meta()
        doc.update(mk.per_frame(holds, tl, facing))
    # self-check: the measured 3-D drop is the commanded one
    err = float(np.max(np.abs(truth["drop3d"] - tl.drop_deg)))
    doc["render_settings"]["drop3d_vs_command_max_abs_deg"] = err
    doc["render_settings"]["body_in_frame_first_frame"] = in_frame
    with open(out_dir / f"{args.name}.json", "w") as f:
        json.dump(doc, f, separators=(",", ":"))
    return doc


class ClipMarkers:
    """The markers of one clip: scene nodes, per-frame poses and the truth they leave."""

    def __init__(self, rig, root_T, root_rest, slip, t, cam, scene):
        self.rig, self.root_T, self.root_rest, self.slip, self.t = rig, root_T, root_rest, slip, t
        self.cam, self.scene = cam, scene
        n = len(t)
        self.corners_px = {m: [None] * n for m in (0, 1)}
        self.corners_px_all = {m: np.zeros((n, 4, 2)) for m in (0, 1)}
        self.centres = {m: np.zeros((n, 3)) for m in (0, 1)}
        self.vis = {m: np.zeros(n) for m in (0, 1)}
        self.rigid_check_m = 0.0

    def _slip(self, i: int) -> dict:
        return {} if self.rig.slip_id is None else {self.rig.slip_id: float(self.slip[i])}

    def before_frame(self, i: int) -> None:
        occ = markers_mod.occluder_offset(self.rig, float(self.t[i]))
        self.scene.set_frame(self.root_T[i], self.root_rest, self._slip(i), occ)

    def after_frame(self, i: int, depth: np.ndarray) -> None:
        sl = self._slip(i)
        for m in (0, 1):
            c_rest = self.rig.corners_rest(m, sl.get(m, 0.0))
            cw = markers_mod.to_world(self.root_T[i], self.root_rest, c_rest)
            self.centres[m][i] = cw.mean(0)
            px = self.cam.project(cw)
            self.corners_px_all[m][i] = px
            grid = markers_mod.to_world(self.root_T[i], self.root_rest,
                                        markers_mod.sample_grid(c_rest))
            self.vis[m][i] = markers_mod.visible_fraction(self.cam, depth, grid)
            if self.vis[m][i] >= 1.0:
                self.corners_px[m][i] = px

    def meta(self) -> dict:
        r = self.rig
        occ = None
        if r.occ_id is not None:
            t_in, t_cov, t_unc, t_out = r.occ_window
            occ = dict(id=r.occ_id, window_s=[round(t_in, 4), round(t_out, 4)],
                       fully_covered_s=[round(t_cov, 4), round(t_unc, 4)],
                       occluder="skin-coloured disc, 9 cm across, 3 cm in front of the marker")
        slip = None
        if r.slip_id is not None:
            slip = dict(id=r.slip_id, mm=r.slip_mm, window_s=self.slip_window)
        return dict(
            placement=r.placement,
            dictionary="DICT_4X4_50",
            ids={"0": "right", "1": "left"},
            size_m=r.size_m,
            margin_cells=markers_mod.MARGIN_CELLS,
            printed_size_m=round(r.size_m * (markers_mod.CELLS + 2 * markers_mod.MARGIN_CELLS)
                                 / markers_mod.CELLS, 5),
            facing="forward" if r.facing < 0 else "backward",
            standoff_m=round(r.standoff_m, 4),
            rigid=r.slip_id is None,
            occlusion=occ,
            slip=slip,
            rigid_check_max_m=self.rigid_check_m,
            **r.info,
        )

    def per_frame(self, holds, tl, facing: int) -> dict:
        c0, c1 = self.centres[0], self.centres[1]  # right, left
        obl = np.degrees(np.arctan2(c1[:, 2] - c0[:, 2], c1[:, 0] - c0[:, 0]))
        swing_left = np.array([holds[k].swing_side == "left" for k in tl.hold_index])
        drop3 = np.where(swing_left, -obl, obl)
        p0, p1 = self.corners_px_all[0].mean(1), self.corners_px_all[1].mean(1)
        mx = -1.0 if facing > 0 else 1.0
        alpha = np.degrees(np.arctan2(-(p1[:, 1] - p0[:, 1]), mx * (p1[:, 0] - p0[:, 0])))
        drop2 = np.where(swing_left, -alpha, alpha)

        def rp(a, nd=3):
            return [round(float(v), nd) for v in a]

        out = dict(
            markers_px={
                str(m): [None if c is None else [rp(q) for q in c] for c in self.corners_px[m]]
                for m in (0, 1)
            },
            markers3d_m={str(m): [rp(q, 6) for q in self.centres[m]] for m in (0, 1)},
            markers_visible_frac={str(m): rp(self.vis[m]) for m in (0, 1)},
            marker_line_obliquity_deg=rp(obl, 6),
            marker_drop3d_deg=rp(drop3, 6),
            marker_drop2d_deg=rp(drop2, 4),
        )
        if self.rig.slip_id is not None:
            out["marker_slip_mm"] = rp(1000 * self.slip, 3)
        return out


def setup_markers(args, p, body, holds, tl, heads, verts_world, joints3d, renderer, skin8):
    if args.markers == "none":
        return None
    rng = np.random.default_rng([args.seed, 47])
    rig = markers_mod.build_rig(body, args.markers, p["view"])
    ri = body.index["root"]
    root_rest = body.ident_heads[ri]
    root_T = markers_mod.root_transforms(tl.obliquity_deg, heads[:, ri])
    # the hip-joint centres must follow the same rigid transform
    err = 0.0
    for s in "LR":
        hr = body.head(f"upperleg01.{s}")
        for i in range(len(root_T)):
            w = markers_mod.to_world(root_T[i], root_rest, hr[None])[0]
            err = max(err, float(np.abs(w - joints3d[f"hip_{s}"][i]).max()))
    rig.standoff_m = markers_mod.fit_standoff(rig, verts_world, root_T, root_rest)
    h = holds[0]
    occ_pick = int(rng.integers(2))
    t_in = h.t_hold + float(rng.uniform(1.0, max(1.0, h.t_lower - h.t_hold - 2.5)))
    slip_pick = int(rng.integers(2))
    if args.marker_occlusion:
        rig.occ_id = occ_pick if args.marker_occlusion_id is None else args.marker_occlusion_id
        rig.occ_window = (t_in, t_in + 0.3, t_in + 1.1, t_in + 1.4)
    if args.marker_slip_mm:
        rig.slip_id = slip_pick if args.marker_slip_id is None else args.marker_slip_id
        rig.slip_mm = float(args.marker_slip_mm)
    slip = markers_mod.slip_series(rig, tl.t, h.t_hold, h.t_lower)
    scene = markers_mod.MarkerScene(renderer, rig, skin8)
    cm = ClipMarkers(rig, root_T, root_rest, slip, tl.t, renderer.cam, scene)
    cm.rigid_check_m = err
    cm.slip_window = [round(h.t_hold, 4), round(h.t_lower, 4)]
    return cm


def silhouette_deviation(mask: np.ndarray, px: np.ndarray) -> float:
    """Largest gap between the projected vertex bounding box and the rendered silhouette's."""
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return float("inf")
    # rendered pixel (i, j) covers [i, i+1): its extent is [min, max + 1)
    rendered = np.array([xs.min(), xs.max() + 1, ys.min(), ys.max() + 1], float)
    projected = np.array([px[:, 0].min(), px[:, 0].max(), px[:, 1].min(), px[:, 1].max()])
    return float(np.max(np.abs(rendered - projected)))


def _version(pkg: str) -> str:
    try:
        import importlib.metadata as md

        return md.version(pkg)
    except Exception:  # pragma: no cover
        return "unknown"


# ---------------------------------------------------------------------------- CLI
def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="python -m tools.synth.generate",
        description="Render a synthetic single-leg-stance clip (MP4) with exact ground truth "
        "(JSON). Unset options are drawn from --seed.",
    )
    ap.add_argument("--out", required=True, help="output folder")
    ap.add_argument("--name", required=True, help="clip name (NAME.mp4 + NAME.json)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--set-name", default="synth", help="value of the 'set' field")
    ap.add_argument("--stance", choices=["left", "right"], help="stance (standing) leg")
    ap.add_argument("--drop", type=float, help="target pelvic drop in degrees (-2..10)")
    ap.add_argument("--trunk", choices=sorted(TRUNK_COMP), help="trunk mode")
    ap.add_argument("--lean", type=float, help="trunk lean target for --trunk lean (degrees)")
    ap.add_argument(
        "--body",
        choices=sorted(BODY_PRESETS) + ["random"],
        help="body preset (phenotype), or random",
    )
    ap.add_argument("--view", choices=["front", "back"], help="camera in front of or behind")
    ap.add_argument("--background", choices=["plain", "gradient", "noise", "panels"])
    ap.add_argument("--hip-flex", type=float, help="swing hip flexion (degrees)")
    ap.add_argument("--knee-flex", type=float, help="swing knee flexion (degrees)")
    ap.add_argument("--ramp-delay", type=float,
                    help="seconds from the start of the hold to the start of the drop "
                    "(default random 0..0.3; negative, down to -0.8, starts the drop during "
                    "the lift so that it is already there at foot-off)")
    ap.add_argument("--drop-onset", choices=["lift", "hold", "late"],
                    help="when the drop comes in: 'lift' = during the leg lift, complete at or "
                    "just after foot-off; 'hold' = after foot-off (default); 'late' = a fatigue "
                    "drop 1.5-4 s into the hold, or 10-30 s into a hold of 14 s or more")
    ap.add_argument("--hold-duration", type=float, default=4.2,
                    help="seconds of single-leg stance (default 4.2; the clip lasts the hold "
                    "plus 3.8 s unless --duration is given)")
    ap.add_argument("--leg-drift", type=float, nargs=2, metavar=("HIP", "KNEE"),
                    help="change of the lifted leg's hip and knee flexion during the hold, "
                    "degrees (negative = the foot sinks, positive = it rises)")
    ap.add_argument("--sway-mm", type=float, default=0.0,
                    help="amplitude of a slow lateral sway of the pelvis during the hold, mm "
                    "(the obliquity is unchanged)")
    ap.add_argument("--sway-freq", type=float, help="sway frequency, Hz (default random 0.2-0.5)")
    ap.add_argument("--step-mm", type=float, default=0.0,
                    help="re-place the stance foot once during the hold by this distance, mm")
    ap.add_argument("--arms", choices=["relaxed", "crossed"], default="relaxed")
    ap.add_argument("--clothing", choices=body_mod.CLOTHING,
                    help="clothing variant (default: the older per-bone painting)")
    ap.add_argument("--markers", choices=["none", "asis", "back_crest", "waistband"],
                    default="none",
                    help="two printed 5 cm ArUco markers (DICT_4X4_50, id 0 right, id 1 left) on "
                    "the anterior superior iliac spines, the posterior iliac crests, or the "
                    "waistband (on the camera side)")
    ap.add_argument("--marker-occlusion", action="store_true",
                    help="a skin-coloured disc (a hand) passes over one marker for about 1 s "
                    "during the hold")
    ap.add_argument("--marker-occlusion-id", type=int, choices=[0, 1])
    ap.add_argument("--marker-slip-mm", type=float, default=0.0,
                    help="one marker slides down by this many mm over the hold (not rigid)")
    ap.add_argument("--marker-slip-id", type=int, choices=[0, 1])
    ap.add_argument("--cam-distance", type=float, help="horizontal distance, m (2.3..4.5)")
    ap.add_argument("--cam-height", type=float, help="camera height, m (0.7..1.3)")
    ap.add_argument("--cam-roll", type=float, help="camera roll, degrees (-4..4)")
    ap.add_argument("--cam-yaw", type=float, help="camera yaw, degrees (-10..10)")
    ap.add_argument(
        "--fill",
        type=float,
        help="fraction of the frame height the standing body fills (0.6..0.78)",
    )
    ap.add_argument(
        "--look-at-frac",
        type=float,
        default=0.5,
        help="camera aims at this fraction of the stature (default mid-body)",
    )
    ap.add_argument(
        "--both-sides",
        action="store_true",
        help="one clip with two holds, one on each leg (16.5 s)",
    )
    ap.add_argument(
        "--both-first-stance",
        choices=["left", "right"],
        default="right",
        help="stance leg of the first hold of --both-sides (default right: the left "
        "foot is lifted first)",
    )
    ap.add_argument(
        "--both-drops",
        type=float,
        nargs=2,
        metavar=("FIRST", "SECOND"),
        help="target drops of the two holds of --both-sides, in time order",
    )
    ap.add_argument("--width", type=int, default=540)
    ap.add_argument("--height", type=int, default=960)
    ap.add_argument("--fps", type=int, default=15)
    ap.add_argument("--duration", type=float, help="seconds (default 8, or 16.5 with --both-sides)")
    ap.add_argument("--crf", type=int, default=23)
    ap.add_argument("--preset", default="medium")
    ap.add_argument("--check-frames", type=int, nargs="*", help="extra projection-check frames")
    ap.add_argument("--debug-frames", type=int, nargs="*", help="also save these frames as PNG")
    ap.add_argument(
        "--record-command", action="store_true", help="store the command line in the JSON"
    )
    ap.add_argument("-v", "--verbose", action="store_true")
    return ap


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    doc = render_clip(args)
    rs = doc["render_settings"]
    print(
        f"{args.name}: {doc['n_frames']} frames {doc['width']}x{doc['height']} in "
        f"{rs['total_s']:.1f}s ({rs['s_per_frame']:.3f} s/frame render); "
        f"drop3d-vs-command {rs['drop3d_vs_command_max_abs_deg']:.2e} deg; "
        f"projection check {rs['projection_check_max_px']:.3f} px; "
        f"fill {doc['generator']['camera']['body_fill_fraction']:.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
