"""Render a varied set of clips (for fitting / validating corrections) with a manifest.csv.

    python -m tools.synth.render_set --out DIR --n 48 [--base-seed 1000] [--width 540 --height 960]
    python -m tools.synth.render_set --out DIR --n 16 --base-seed 3001 --prefix E \
        --ramp-delay -0.8 --back-every 0          # drop already there at foot-off

The design is stratified: the (target drop, trunk mode, stance side) combinations
(-2, 0, 2, 4, 6, 8, 10) x (follows, half, upright, lean) x (left, right) are shuffled and taken in
turn, every `--back-every`-th clip is a back view, and body, look, background, light and camera
are drawn from each clip's seed (camera: distance 2.3-4.5 m, height 0.7-1.3 m, roll +-4 deg,
yaw +-10 deg).  Clips are written one by one (MP4 first under a temporary name, then the JSON);
manifest.csv is rewritten after every clip, so a partly rendered set is usable.  Re-running skips
clips whose JSON already exists.  Several runs with different --base-seed can share one folder:
the manifest keeps the rows of the clips of the other runs.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import sys
import time
import traceback
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tools.synth import generate  # noqa: E402

DROPS = [-2, 0, 2, 4, 6, 8, 10]
TRUNKS = ["follows", "half", "upright", "lean"]
SIDES = ["left", "right"]

FIELDS = [
    "name",
    "video",
    "truth",
    "seed",
    "view",
    "stance_side",
    "target_drop_deg",
    "trunk_mode",
    "trunk_lean_target_deg",
    "body_id",
    "gender",
    "age",
    "muscle",
    "weight",
    "height",
    "proportions",
    "stature_m",
    "cam_distance_m",
    "cam_height_m",
    "cam_roll_deg",
    "cam_yaw_deg",
    "focal_mm_equiv",
    "body_fill_fraction",
    "in_frame",
    "hip_flex_deg",
    "knee_flex_deg",
    "hold_drop3d_deg",
    "hold_drop2d_deg",
    "hold_lean2d_deg",
    "hold_lean3d_deg",
    "drop_onset",
    "drop_ramp_s",
    "hold_s",
    "drop3d_at_foot_off_deg",
    "leg_drift",
    "leg_drift_hip_deg",
    "leg_drift_knee_deg",
    "swing_foot_min_z_hold_start_m",
    "swing_foot_min_z_hold_end_m",
    "sway_mm",
    "step_mm",
    "arms",
    "clothing",
    "markers",
    "marker_occlusion",
    "marker_slip_mm",
    "width",
    "height_px",
    "n_frames",
    "render_s",
]


def plan(n: int, base_seed: int, back_every: int, prefix: str = "S") -> list[dict]:
    rng = np.random.default_rng(base_seed)
    combos = list(itertools.product(DROPS, TRUNKS, SIDES))
    order = []
    while len(order) < n:
        idx = rng.permutation(len(combos))
        order.extend(combos[i] for i in idx)
    bodies = sorted(generate.BODY_PRESETS) + ["random"] * 4
    body_order = [bodies[i] for i in rng.permutation(len(bodies))]
    out = []
    for k in range(n):
        drop, trunk, side = order[k]
        out.append(
            dict(
                name=f"{prefix}{base_seed + k:05d}",
                seed=base_seed + k,
                drop=drop,
                trunk=trunk,
                stance=side,
                view="back" if back_every and k % back_every == back_every - 1 else "front",
                body=body_order[k % len(body_order)],
            )
        )
    return out


V3_DROPS = [-3, -2, -1, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
V3_CLOTHING = ["default", "loose_shirt", "tucked_shirt", "shorts_contrast", "belt", "bare_torso"]


def _cycle(rng, values: list, n: int) -> list:
    """n values: whole shuffled rounds of ``values`` (balanced), then shuffled once more."""
    out = []
    while len(out) < n:
        out.extend(values[i] for i in rng.permutation(len(values)))
    out = out[:n]
    return [out[i] for i in rng.permutation(n)]


def plan_v3(n: int, base_seed: int, args) -> list[dict]:
    """Stratified mix of realistic motions: drop onset x target drop (hip hikes to 9 deg) x
    free-leg drift (none / sink / rise) x trunk mode x stance side x view x clothing x arms,
    plus sway and a stance-foot step on some clips and markers on some clips."""
    rng = np.random.default_rng(base_seed)
    onsets = _cycle(rng, args.onsets, n)
    drops = _cycle(rng, args.drops, n)
    drifts = _cycle(rng, args.drifts, n)
    # some drift clips have a level pelvis
    n_level = max(2, n // 9) if args.level_drift is None else args.level_drift
    if not any(d != "none" for d in drifts):
        n_level = 0
    drift_idx = [i for i in range(n) if drifts[i] != "none"]
    zero_idx = [i for i in range(n) if drops[i] == 0]
    for k in range(n_level):
        if sum(drops[i] == 0 for i in drift_idx) >= n_level or k >= len(drift_idx):
            break
        i = drift_idx[k]
        if drops[i] != 0:
            j = next((z for z in zero_idx if drifts[z] == "none"), None)
            if j is None:
                drops[i] = 0
            else:
                drops[i], drops[j] = drops[j], drops[i]
                zero_idx.remove(j)
    trunks = _cycle(rng, TRUNKS, n)
    sides = _cycle(rng, SIDES, n)
    n_back = int(round(n * args.back_frac))
    views = _cycle(rng, ["back"] * n_back + ["front"] * (n - n_back), n)
    clothing = _cycle(rng, args.clothing, n)
    arms = _cycle(rng, ["relaxed", "crossed"], n)
    sway = _cycle(rng, [True] + [False] * 2, n)
    step = _cycle(rng, [True] + [False] * 3, n)
    if args.bodies == "random":
        bodies = ["random"] * n
    else:
        pool = sorted(generate.BODY_PRESETS) + ["random"] * 4
        bodies = _cycle(rng, pool, n)
    markers = _cycle(rng, args.markers, n) if args.markers else ["none"] * n
    out = []
    for k in range(n):
        hip = round(float(rng.uniform(30, 60)), 2)
        knee = round(float(rng.uniform(60, 90)), 2)
        if drifts[k] == "sink":
            dh = round(float(rng.uniform(-20, -8)), 1)
            dh = max(dh, round(12.0 - hip, 1))  # the thigh stays at least 12 deg forward
            dk = round(float(rng.uniform(-15, -5)), 1)
        elif drifts[k] == "rise":
            dh = round(float(rng.uniform(4, 10)), 1)
            dk = round(float(rng.uniform(5, 15)), 1)
        else:
            dh = dk = 0.0
        sway_mm = round(float(rng.uniform(4, 20)), 1) if sway[k] else 0.0
        step_mm = round(float(rng.uniform(10, 30)), 1) if step[k] else 0.0
        mk = markers[k]
        if mk != "none":
            # markers face the camera: ASIS and waistband in front, crests in the back view
            views[k] = "back" if mk == "back_crest" else views[k] if mk == "waistband" else "front"
        out.append(
            dict(
                name=f"{args.prefix}{base_seed + k:05d}",
                seed=base_seed + k,
                drop=drops[k],
                trunk=trunks[k],
                stance=sides[k],
                view=views[k],
                body=bodies[k],
                onset=onsets[k],
                drift=drifts[k],
                hip=hip,
                knee=knee,
                drift_hip=dh,
                drift_knee=dk,
                sway_mm=sway_mm,
                step_mm=step_mm,
                arms=arms[k],
                clothing=clothing[k],
                markers=mk,
            )
        )
    return out


def v3_cli(spec: dict, args, specs: list[dict]) -> list[str]:
    cli = [
        "--drop-onset", spec["onset"],
        "--hold-duration", str(args.hold_duration),
        "--duration", str(round(2.3 + args.hold_duration + 1.7, 3)),
        "--hip-flex", str(spec["hip"]),
        "--knee-flex", str(spec["knee"]),
        "--arms", spec["arms"],
        "--clothing", spec["clothing"],
    ]
    if spec["drift"] != "none":
        cli += ["--leg-drift", str(spec["drift_hip"]), str(spec["drift_knee"])]
    if spec["sway_mm"]:
        cli += ["--sway-mm", str(spec["sway_mm"])]
    if spec["step_mm"]:
        cli += ["--step-mm", str(spec["step_mm"])]
    if spec["markers"] != "none":
        cli += ["--markers", spec["markers"]]
        marker_specs = [sp for sp in specs if sp["markers"] != "none"]
        k = marker_specs.index(spec)
        if args.occlusion_every and k % args.occlusion_every == args.occlusion_every - 1:
            cli += ["--marker-occlusion"]
        if spec["markers"] == "waistband" and args.slip_mm:
            wb = [sp for sp in marker_specs if sp["markers"] == "waistband"]
            j = wb.index(spec)
            if j < len(args.slip_mm) and args.slip_mm[j]:
                cli += ["--marker-slip-mm", str(args.slip_mm[j])]
    return cli


def summarise(doc: dict) -> dict:
    ph = np.array(doc["phase"])
    hold = np.nonzero(ph == "hold")[0][-40:]
    hold_all = np.nonzero(ph == "hold")[0]

    def m(key):
        return round(float(np.mean(np.array(doc[key])[hold])), 3)

    g = doc["generator"]
    cam = g["camera"]
    ph_ = g["phenotype"]
    return dict(
        name=doc["name"],
        video=doc["video"],
        truth=doc["name"] + ".json",
        seed=g["seed"],
        view=cam["view"],
        stance_side=doc["stance_side"],
        target_drop_deg=doc["target_drop_deg"],
        trunk_mode=doc["trunk_mode"],
        trunk_lean_target_deg=doc["trunk_lean_target_deg"],
        body_id=g["body_id"],
        **{k: ph_[k] for k in ("gender", "age", "muscle", "weight", "height", "proportions")},
        stature_m=cam["stature_m"],
        cam_distance_m=cam["distance_m"],
        cam_height_m=cam["height_m"],
        cam_roll_deg=cam["roll_deg"],
        cam_yaw_deg=cam["yaw_deg"],
        focal_mm_equiv=cam["focal_length_mm_fullframe_equiv"],
        body_fill_fraction=cam["body_fill_fraction"],
        in_frame=cam["body_in_frame_all_frames"],
        hip_flex_deg=g["motion"]["swing_hip_flex_deg"],
        knee_flex_deg=g["motion"]["swing_knee_flex_deg"],
        hold_drop3d_deg=m("drop3d_deg"),
        hold_drop2d_deg=m("drop2d_deg"),
        hold_lean2d_deg=m("trunk_lean2d_deg"),
        hold_lean3d_deg=m("trunk_lean3d_deg"),
        width=doc["width"],
        height_px=doc["height"],
        n_frames=doc["n_frames"],
        render_s=doc["render_settings"]["total_s"],
        **_summary_v3(doc, hold_all),
    )


def _summary_v3(doc: dict, hold_all: np.ndarray) -> dict:
    g = doc["generator"]
    mo = g["motion"]
    look = g["look"]
    dh = mo.get("leg_drift_hip_deg", 0.0)
    dk = mo.get("leg_drift_knee_deg", 0.0)
    drift = "none" if not (dh or dk) else ("sink" if dh < 0 else "rise")
    fz = doc.get("swing_foot_min_z_m")
    mk = g.get("markers") or {}
    step = mo.get("stance_step_m", [0.0, 0.0])
    return dict(
        drop_onset=mo.get("drop_onset", "hold"),
        drop_ramp_s="-".join(f"{v:.2f}" for v in doc["phase_windows_s"]["drop_ramp"]),
        hold_s=mo.get("hold_duration_s"),
        drop3d_at_foot_off_deg=round(float(doc["drop3d_deg"][hold_all[0]]), 3),
        leg_drift=drift,
        leg_drift_hip_deg=dh,
        leg_drift_knee_deg=dk,
        swing_foot_min_z_hold_start_m=fz[hold_all[0]] if fz else "",
        swing_foot_min_z_hold_end_m=fz[hold_all[-1]] if fz else "",
        sway_mm=round(1000 * mo.get("sway_lat_amp_m", 0.0), 1),
        step_mm=round(1000 * float(np.hypot(*step)), 1),
        arms=mo.get("arms", "relaxed"),
        clothing=look.get("clothing", "default"),
        markers=mk.get("placement", "none"),
        marker_occlusion=bool(mk.get("occlusion")),
        marker_slip_mm=(mk.get("slip") or {}).get("mm", 0.0),
    )


def write_manifest(out: Path, rows: list[dict]) -> None:
    tmp = out / ".manifest.csv.tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS)
        w.writeheader()
        for r in rows:
            w.writerow(r)
    tmp.replace(out / "manifest.csv")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m tools.synth.render_set",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--out", required=True)
    ap.add_argument("--n", type=int, default=48)
    ap.add_argument("--base-seed", type=int, default=1000)
    ap.add_argument("--back-every", type=int, default=8, help="0 = front views only")
    ap.add_argument("--width", type=int, default=540)
    ap.add_argument("--height", type=int, default=960)
    ap.add_argument("--crf", type=int, default=22)
    ap.add_argument("--prefix", default="S", help="clip names: PREFIX + 5-digit seed")
    ap.add_argument("--ramp-delay", type=float,
                    help="passed to every clip (see generate --ramp-delay); default random")
    ap.add_argument("--preset", choices=["v1", "v3"], default="v1",
                    help="v1: drop x trunk x side only (as before); v3: the mixed realistic "
                    "motions (onset, hikes, drift, sway, steps, clothing, arms, markers)")
    ap.add_argument("--set-name", default="synth-train")
    ap.add_argument("--onsets", nargs="+", default=["lift", "hold", "late"],
                    choices=["lift", "hold", "late"], help="v3: drop onsets to cycle over")
    ap.add_argument("--drops", nargs="+", type=float, default=V3_DROPS,
                    help="v3: target drops to cycle over (negative = hip hike)")
    ap.add_argument("--drifts", nargs="+", default=["none", "none", "sink", "rise"],
                    choices=["none", "sink", "rise"], help="v3: leg drifts to cycle over")
    ap.add_argument("--clothing", nargs="+", default=V3_CLOTHING, choices=V3_CLOTHING)
    ap.add_argument("--back-frac", type=float, default=0.25, help="v3: share of back views")
    ap.add_argument("--bodies", choices=["mixed", "random"], default="mixed",
                    help="v3: body presets and random phenotypes, or random phenotypes only")
    ap.add_argument("--hold-duration", type=float, default=6.0, help="v3: hold seconds")
    ap.add_argument("--fps", type=int, default=15)
    ap.add_argument("--markers", nargs="+", choices=["none", "asis", "back_crest", "waistband"],
                    help="v3: marker placements to cycle over (default none)")
    ap.add_argument("--occlusion-every", type=int, default=0,
                    help="v3: every k-th marker clip gets a one-second marker occlusion")
    ap.add_argument("--slip-mm", type=float, nargs="*", default=[],
                    help="v3: waistband-marker slips (mm) given to the waistband clips in turn")
    ap.add_argument("--level-drift", type=int,
                    help="v3: how many drift clips get a level pelvis (default max(2, n/9))")
    ap.add_argument("--manifest-only", action="store_true",
                    help="rewrite manifest.csv from the clips already there, render nothing")
    ap.add_argument("--dry-run", action="store_true", help="print the plan and stop")
    ap.add_argument("--only", nargs="*", help="render only these clip names of the plan")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.preset == "v3":
        specs = plan_v3(args.n, args.base_seed, args)
    else:
        specs = plan(args.n, args.base_seed, args.back_every, args.prefix)
    if args.only:
        specs = [sp for sp in specs if sp["name"] in set(args.only)]
    if args.dry_run:
        keys = list(specs[0])
        print(",".join(keys))
        for sp in specs:
            print(",".join(str(sp[k]) for k in keys))
        return 0
    # keep the manifest rows of clips from other runs into the same folder
    names = {s["name"] for s in specs}
    kept = []
    if (out / "manifest.csv").exists():
        with open(out / "manifest.csv", newline="") as f:
            kept = [r for r in csv.DictReader(f) if r["name"] not in names]
    rows = []
    for spec in specs:
        js = out / f"{spec['name']}.json"
        if args.manifest_only and not js.exists():
            continue
        if not js.exists():
            t0 = time.time()
            cli = [
                "--out",
                str(out),
                "--name",
                spec["name"],
                "--seed",
                str(spec["seed"]),
                "--set-name",
                args.set_name,
                "--stance",
                spec["stance"],
                "--drop",
                str(spec["drop"]),
                "--trunk",
                spec["trunk"],
                "--view",
                spec["view"],
                "--body",
                spec["body"],
                "--width",
                str(args.width),
                "--height",
                str(args.height),
                "--crf",
                str(args.crf),
                "--fps",
                str(args.fps),
            ] + ([] if args.ramp_delay is None else ["--ramp-delay", str(args.ramp_delay)])
            if args.preset == "v3":
                cli += v3_cli(spec, args, specs)
            try:
                generate.main(cli)
            except Exception:  # keep going: one bad clip should not stop the set
                traceback.print_exc()
                continue
            print(f"  {spec['name']} done in {time.time() - t0:.0f}s", flush=True)
        rows.append(summarise(json.loads(js.read_text())))
        write_manifest(out, sorted(kept + rows, key=lambda r: r["name"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
