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


def summarise(doc: dict) -> dict:
    ph = np.array(doc["phase"])
    hold = np.nonzero(ph == "hold")[0][-40:]

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
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    specs = plan(args.n, args.base_seed, args.back_every, args.prefix)
    # keep the manifest rows of clips from other runs into the same folder
    names = {s["name"] for s in specs}
    kept = []
    if (out / "manifest.csv").exists():
        with open(out / "manifest.csv", newline="") as f:
            kept = [r for r in csv.DictReader(f) if r["name"] not in names]
    rows = []
    for spec in specs:
        js = out / f"{spec['name']}.json"
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
                "synth-train",
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
            ] + ([] if args.ramp_delay is None else ["--ramp-delay", str(args.ramp_delay)])
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
