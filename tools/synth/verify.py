"""Check a rendered clip's truth JSON against itself, the video and the renderer.

    python -m tools.synth.verify CLIP.json [CLIP2.json ...] [--render-check]

Checks:
- drop3d_deg recomputed from joints3d_m, and equal to the commanded drop (drop_cmd_deg);
- drop2d_deg and trunk_lean2d_deg recomputed from joints_px;
- joints_px equal the projection of joints3d_m with the camera stored in the JSON;
- the stance ankle stays put during every hold;
- the video has the stated size and frame count;
- with --render-check: small spheres placed at the hip and knee joint centres of a few frames are
  rendered with pyrender and the centroids of their pixels are compared with joints_px (this tests
  the stored camera against the actual rasteriser, independent of the generator's own code).
Prints one line per clip and exits non-zero on a failure.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

TOL_DEG = 1e-3


def project(doc: dict, pts: np.ndarray) -> np.ndarray:
    cam = doc["generator"]["camera"]
    c2w = np.array(cam["cam_to_world"], float)
    w2c = np.linalg.inv(c2w)
    p = pts @ w2c[:3, :3].T + w2c[:3, 3]
    f = cam["focal_length_px"]
    cx, cy = cam["principal_point_px"]
    return np.stack([cx + f * p[..., 0] / -p[..., 2], cy - f * p[..., 1] / -p[..., 2]], -1)


def stance_per_frame(doc: dict) -> list[str]:
    if "stance_side_per_frame" in doc:
        return doc["stance_side_per_frame"]
    return [doc["stance_side"]] * doc["n_frames"]


def check(doc: dict, video: Path | None) -> dict:
    res = {}
    j3 = {k: np.array(v, float) for k, v in doc["joints3d_m"].items()}
    jp = {k: np.array(v, float) for k, v in doc["joints_px"].items()}
    stance = np.array(stance_per_frame(doc))
    swing_left = stance == "right"
    back = doc["generator"]["camera"].get("view", "front") == "back"
    mx = -1.0 if back else 1.0

    hl, hr = j3["hip_L"], j3["hip_R"]
    obl = np.degrees(np.arctan2(hl[:, 2] - hr[:, 2], hl[:, 0] - hr[:, 0]))
    d3 = np.where(swing_left, -obl, obl)
    # joints3d are rounded to 1 micrometre in the file
    res["drop3d_recomputed_max_err_deg"] = float(np.abs(d3 - doc["drop3d_deg"]).max())
    if "drop_cmd_deg" in doc:
        res["drop3d_vs_cmd_max_err_deg"] = float(
            np.abs(np.array(doc["drop3d_deg"]) - doc["drop_cmd_deg"]).max()
        )
    pl, pr = jp["hip_L"], jp["hip_R"]
    alpha = np.degrees(np.arctan2(-(pl[:, 1] - pr[:, 1]), mx * (pl[:, 0] - pr[:, 0])))
    d2 = np.where(swing_left, -alpha, alpha)
    res["drop2d_recomputed_max_err_deg"] = float(np.abs(d2 - doc["drop2d_deg"]).max())
    v = 0.5 * (jp["shoulder_L"] + jp["shoulder_R"]) - 0.5 * (pl + pr)
    lean = np.degrees(np.arctan2(mx * v[:, 0], -v[:, 1]))
    lean = np.where(stance == "left", lean, -lean)
    res["lean2d_recomputed_max_err_deg"] = float(np.abs(lean - doc["trunk_lean2d_deg"]).max())
    res["joints_px_vs_projection_max_px"] = float(
        max(np.abs(project(doc, j3[k]) - jp[k]).max() for k in j3)
    )
    ph = np.array(doc["phase"])
    moves = []
    # a stance-foot step (stance_foot_offset_m) moves the ankle on purpose: take it out
    off = np.zeros((len(ph), 3))
    if "stance_foot_offset_m" in doc:
        off[:, :2] = np.array(doc["stance_foot_offset_m"], float)
    for side in ("left", "right"):
        sel = (stance == side) & np.isin(ph, ["lift", "hold", "lower"])
        if sel.any():
            a = (j3["ankle_L" if side == "left" else "ankle_R"] - off)[sel]
            moves.append(float(np.abs(a - a[0]).max()))
    res["stance_ankle_motion_max_m"] = max(moves) if moves else 0.0
    if video is not None and video.exists():
        import av

        with av.open(str(video)) as c:
            s = c.streams.video[0]
            n = sum(1 for _ in c.decode(s))
            res["video_ok"] = bool(
                n == doc["n_frames"] and s.width == doc["width"] and s.height == doc["height"]
            )
            res["video_codec"] = s.codec_context.name
            res["video_pix_fmt"] = s.codec_context.pix_fmt
    if "markers3d_m" in doc:
        res.update(check_markers(doc, j3, swing_left))
    ok = (
        res.get("markers_ok", True)
        and res["drop3d_recomputed_max_err_deg"] < 0.001
        and res.get("drop3d_vs_cmd_max_err_deg", 0.0) < TOL_DEG
        and res["drop2d_recomputed_max_err_deg"] < 0.01
        and res["lean2d_recomputed_max_err_deg"] < 0.01
        and res["joints_px_vs_projection_max_px"] < 0.01
        and res["stance_ankle_motion_max_m"] < 1e-4
        and res.get("video_ok", True)
    )
    res["ok"] = bool(ok)
    return res


def check_markers(doc: dict, j3: dict, swing_left: np.ndarray) -> dict:
    """Rigid markers keep their distances to both hip-joint centres and their line has the
    pelvic obliquity; the pixel corners surround the projected centre."""
    res = {}
    mk = doc["generator"]["markers"]
    c = {m: np.array(doc["markers3d_m"][m], float) for m in ("0", "1")}
    obl = np.degrees(np.arctan2(c["1"][:, 2] - c["0"][:, 2], c["1"][:, 0] - c["0"][:, 0]))
    res["marker_obliquity_recomputed_max_err_deg"] = float(
        np.abs(obl - doc["marker_line_obliquity_deg"]).max()
    )
    d3 = np.where(swing_left, -obl, obl)
    res["marker_drop_vs_drop3d_max_abs_deg"] = float(np.abs(d3 - doc["drop3d_deg"]).max())
    dist = []
    for m in ("0", "1"):
        for h in ("hip_L", "hip_R"):
            d = np.linalg.norm(c[m] - j3[h], axis=1)
            dist.append(float(d.max() - d.min()))
    res["marker_to_hip_distance_range_m"] = max(dist)
    worst = 0.0
    n_vis = 0
    for m in ("0", "1"):
        pc = project(doc, c[m])
        for i, corners in enumerate(doc["markers_px"][m]):
            if corners is None:
                continue
            n_vis += 1
            worst = max(worst, float(np.abs(np.mean(corners, 0) - pc[i]).max()))
    res["marker_centre_vs_corners_max_px"] = worst
    res["marker_visible_frames"] = n_vis
    ok = res["marker_obliquity_recomputed_max_err_deg"] < 1e-3 and worst < 0.5
    if mk.get("rigid", True):
        ok = ok and res["marker_drop_vs_drop3d_max_abs_deg"] < 1e-3
        ok = ok and res["marker_to_hip_distance_range_m"] < 1e-5
    res["markers_ok"] = bool(ok)
    return res


def render_check(doc: dict, frames: list[int], radius_m: float = 0.012) -> float:
    """Render small spheres at joint centres with the stored camera; compare pixel centroids."""
    os.environ.setdefault("PYOPENGL_PLATFORM", "osmesa")
    import pyrender
    import trimesh

    cam = doc["generator"]["camera"]
    w, h = doc["width"], doc["height"]
    f = cam["focal_length_px"]
    cx, cy = cam["principal_point_px"]
    r = pyrender.OffscreenRenderer(w, h)
    worst = 0.0
    sphere = trimesh.creation.icosphere(subdivisions=3, radius=radius_m)
    for i in frames:
        for k in ("hip_L", "hip_R", "knee_L", "knee_R"):
            s = pyrender.Scene()
            p = np.array(doc["joints3d_m"][k][i], float)
            m = sphere.copy()
            m.apply_translation(p)
            s.add(pyrender.Mesh.from_trimesh(m))
            s.add(
                pyrender.IntrinsicsCamera(fx=f, fy=f, cx=cx, cy=cy, znear=0.05, zfar=50.0),
                pose=np.array(cam["cam_to_world"], float),
            )
            depth = r.render(s, flags=pyrender.RenderFlags.DEPTH_ONLY)
            ys, xs = np.nonzero(depth > 0)
            if len(xs) == 0:
                return float("inf")
            centroid = np.array([xs.mean() + 0.5, ys.mean() + 0.5])  # pixel centres
            # the sphere's image is an ellipse whose centre is not exactly the projected centre
            # (perspective); at these distances the difference is well below 0.05 px
            worst = max(worst, float(np.abs(centroid - doc["joints_px"][k][i]).max()))
    r.delete()
    return worst


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m tools.synth.verify",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("json", nargs="+")
    ap.add_argument("--render-check", action="store_true")
    args = ap.parse_args(argv)
    bad = 0
    for path in args.json:
        path = Path(path)
        doc = json.loads(path.read_text())
        res = check(doc, path.with_suffix(".mp4"))
        if args.render_check:
            n = doc["n_frames"]
            res["sphere_centroid_vs_joints_px_max_px"] = render_check(doc, [0, n // 2, n - 1])
            res["ok"] = res["ok"] and res["sphere_centroid_vs_joints_px_max_px"] < 0.3
        bad += not res["ok"]
        print(
            path.name,
            json.dumps({k: (round(v, 6) if isinstance(v, float) else v) for k, v in res.items()}),
        )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
