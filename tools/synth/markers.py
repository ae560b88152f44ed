"""Printed ArUco markers on the pelvis: placement, per-frame pose, occluder and truth.

Two markers of the dictionary DICT_4X4_50, 5 cm wide (the black square), each printed with a
white margin of one cell.  Id 0 is on the subject's RIGHT, id 1 on the LEFT.

Placements (rest pose of the body, metres, relative to the hip-joint centres):
- ``asis``: on the anterior superior iliac spines, facing forward.  The two centres are
  0.13 x stature apart (clipped to 0.21-0.26 m) and 0.3 x that distance above the hip-joint
  centres.
- ``back_crest``: on the posterior iliac crests, facing backward, 0.10 x stature apart (clipped to
  0.15-0.20 m), 0.06 x stature above the hip-joint centres.
- ``waistband``: clipped onto the waistband at the iliac-crest level (0.05 x stature above the
  hip-joint centres), 0.13 x stature apart, on the side that faces the camera.

Each marker is a flat quad a few millimetres in front of the skin.  It moves rigidly with the
pelvis (root bone) unless a slip is asked for (the waistband sliding down).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .rotations import rot_y, smootherstep

MARKER_SIZE_M = 0.05
MARGIN_CELLS = 1
CELLS = 6  # 4x4 bits plus the one-cell black border
IDS = {"R": 0, "L": 1}


def marker_image(marker_id: int, cell_px: int = 32, margin_cells: int = MARGIN_CELLS):
    """Grey image of the printed marker: the ArUco pattern plus a white margin."""
    import cv2

    d = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50)
    img = cv2.aruco.generateImageMarker(d, marker_id, CELLS * cell_px)
    m = margin_cells * cell_px
    return np.pad(img, m, constant_values=255)


@dataclass
class MarkerRig:
    placement: str
    facing: int  # -1: the marker faces -Y (forward), +1: it faces +Y (backward)
    centres_rest: dict  # id -> rest-pose centre on the skin (root frame)
    standoff_m: float = 0.0
    size_m: float = MARKER_SIZE_M
    slip_id: int | None = None
    slip_mm: float = 0.0
    occ_id: int | None = None
    occ_window: tuple = ()  # (t_in, t_covered, t_uncovered, t_out)
    info: dict = field(default_factory=dict)

    @property
    def normal(self) -> np.ndarray:
        return np.array([0.0, float(self.facing), 0.0])

    @property
    def axes(self) -> tuple[np.ndarray, np.ndarray]:
        """(u, v) of the printed image in the root frame: u = image right, v = image up, as
        seen by a camera the marker faces."""
        u = np.array([1.0, 0.0, 0.0]) if self.facing < 0 else np.array([-1.0, 0.0, 0.0])
        return u, np.array([0.0, 0.0, 1.0])

    def centre_rest(self, mid: int) -> np.ndarray:
        return self.centres_rest[mid] + self.normal * self.standoff_m

    def corners_rest(self, mid: int, slip_m: float = 0.0, with_margin: bool = False):
        """Corners TL, TR, BR, BL of the black square (or of the printed sheet)."""
        u, v = self.axes
        h = 0.5 * self.size_m * ((CELLS + 2 * MARGIN_CELLS) / CELLS if with_margin else 1.0)
        c = self.centre_rest(mid) - v * slip_m
        return np.array([c - u * h + v * h, c + u * h + v * h, c + u * h - v * h,
                         c - u * h - v * h])


def _surface_point(rest: np.ndarray, x: float, z: float, facing: int, r: float = 0.02):
    """The skin point at (x, z) on the front (facing -1) or the back (+1) of the rest mesh."""
    near = rest[(np.abs(rest[:, 0] - x) < r) & (np.abs(rest[:, 2] - z) < r)]
    # the torso only: keep points near the body's mid-plane in depth
    y = near[:, 1].min() if facing < 0 else near[:, 1].max()
    return np.array([x, y, z])


def build_rig(body, placement: str, view: str) -> MarkerRig:
    rest = body.ident_vertices
    stature = body.stature()
    hjc = 0.5 * (body.head("upperleg01.L") + body.head("upperleg01.R"))
    if placement == "asis":
        d = float(np.clip(0.13 * stature, 0.21, 0.26))
        z, facing = hjc[2] + 0.3 * d, -1
    elif placement == "back_crest":
        d = float(np.clip(0.10 * stature, 0.15, 0.20))
        z, facing = hjc[2] + 0.06 * stature, 1
    elif placement == "waistband":
        d = float(np.clip(0.13 * stature, 0.21, 0.26))
        z, facing = hjc[2] + 0.05 * stature, (-1 if view == "front" else 1)
    else:
        raise ValueError(placement)
    centres = {
        IDS["R"]: _surface_point(rest, -0.5 * d, z, facing),
        IDS["L"]: _surface_point(rest, +0.5 * d, z, facing),
    }
    rig = MarkerRig(placement, facing, centres)
    rig.info = dict(distance_m=round(d, 4), height_above_hjc_m=round(float(z - hjc[2]), 4))
    return rig


def root_transforms(obliquity_deg: np.ndarray, root_pos: np.ndarray) -> list[np.ndarray]:
    """4x4 world poses of the root (pelvis) bone: rotation rot_y(-phi) about the root head."""
    out = []
    for phi, p in zip(obliquity_deg, root_pos, strict=True):
        m = np.eye(4)
        m[:3, :3] = rot_y(-phi)
        m[:3, 3] = p
        out.append(m)
    return out


def fit_standoff(rig: MarkerRig, verts_world: np.ndarray, root_T: list, root_rest: np.ndarray,
                 every: int = 3, clearance: float = 0.004, cap: float = 0.03) -> float:
    """Distance in front of the rest-pose skin so that no posed skin under the printed sheet
    comes through it in any frame (plus a clearance); capped."""
    u, v = rig.axes
    n = rig.normal
    half = 0.5 * rig.size_m * (CELLS + 2 * MARGIN_CELLS) / CELLS + 0.01
    worst = 0.0
    for i in range(0, len(root_T), every):
        R, t = root_T[i][:3, :3], root_T[i][:3, 3]
        local = (verts_world[i] - t) @ R + root_rest  # back to the rest (root) frame
        for c in rig.centres_rest.values():
            d = local - c
            sel = (np.abs(d @ u) < half) & (np.abs(d @ v) < half) & (np.abs(d @ n) < 0.08)
            if sel.any():
                worst = max(worst, float((d[sel] @ n).max()))
    return float(min(worst + clearance, cap))


def slip_series(rig: MarkerRig, t: np.ndarray, t_hold: float, t_lower: float) -> np.ndarray:
    """Downward slide (metres) of the slipping marker: smootherstep over the hold."""
    if not rig.slip_mm:
        return np.zeros(len(t))
    w = smootherstep((t - t_hold) / max(t_lower - t_hold, 1e-6))
    return rig.slip_mm / 1000.0 * w


def occluder_offset(rig: MarkerRig, ti: float) -> np.ndarray | None:
    """Rest-frame offset of the occluding disc from its marker's centre, or None when away.
    It slides in from the lateral side, covers the marker, and slides back out."""
    if rig.occ_id is None or not rig.occ_window:
        return None
    t_in, t_cov, t_unc, t_out = rig.occ_window
    if ti < t_in or ti > t_out:
        return None
    u, _ = rig.axes
    # lateral direction (away from the midline) in the root frame
    lat = np.sign(rig.centres_rest[rig.occ_id][0]) * np.array([1.0, 0.0, 0.0])
    far = 0.14
    if ti < t_cov:
        s = 1.0 - float(smootherstep((ti - t_in) / (t_cov - t_in)))
    elif ti <= t_unc:
        s = 0.0
    else:
        s = float(smootherstep((ti - t_unc) / (t_out - t_unc)))
    return lat * far * s + rig.normal * 0.03


class MarkerScene:
    """pyrender nodes of the two printed sheets and the occluder."""

    def __init__(self, renderer, rig: MarkerRig, skin_rgb8):
        import pyrender
        import trimesh
        from PIL import Image

        self.pyrender = pyrender
        self.rig = rig
        self.nodes = {}
        for mid in (0, 1):
            img = marker_image(mid)
            tex = Image.fromarray(np.stack([img] * 3, -1))
            # a unit square in its own frame (x = image right, y = image up, z = normal)
            h = 0.5 * rig.size_m * (CELLS + 2 * MARGIN_CELLS) / CELLS
            vq = np.array([[-h, -h, 0], [h, -h, 0], [h, h, 0], [-h, h, 0]], float)
            fq = np.array([[0, 1, 2], [0, 2, 3]])
            uv = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], float)
            tm = trimesh.Trimesh(vq, fq, process=False,
                                 visual=trimesh.visual.TextureVisuals(uv=uv, image=tex))
            mesh = pyrender.Mesh.from_trimesh(tm, smooth=False)
            self.nodes[mid] = renderer.scene.add(mesh, pose=np.eye(4))
        self.occ_node = None
        if rig.occ_id is not None:
            disc = trimesh.creation.cylinder(radius=0.045, height=0.012, sections=48)
            disc.visual.vertex_colors = np.tile(np.asarray(skin_rgb8, np.uint8),
                                                (len(disc.vertices), 1))
            self.occ_node = renderer.scene.add(pyrender.Mesh.from_trimesh(disc, smooth=False),
                                               pose=_away())
        self.scene = renderer.scene

    def set_frame(self, root_T: np.ndarray, root_rest: np.ndarray, slip_m: dict, occ) -> None:
        u, v = self.rig.axes
        n = self.rig.normal
        for mid, node in self.nodes.items():
            c = self.rig.centre_rest(mid) - v * slip_m.get(mid, 0.0)
            local = np.eye(4)
            local[:3, 0], local[:3, 1], local[:3, 2] = u, v, n
            local[:3, 3] = c - root_rest
            self.scene.set_pose(node, root_T @ local)
        if self.occ_node is not None:
            if occ is None:
                self.scene.set_pose(self.occ_node, _away())
            else:
                local = np.eye(4)
                local[:3, 0], local[:3, 1], local[:3, 2] = u, v, n  # cylinder axis along z
                local[:3, 3] = self.rig.centre_rest(self.rig.occ_id) + occ - root_rest
                self.scene.set_pose(self.occ_node, root_T @ local)


def _away() -> np.ndarray:
    m = np.eye(4)
    m[2, 3] = -100.0
    return m


def to_world(root_T: np.ndarray, root_rest: np.ndarray, pts: np.ndarray) -> np.ndarray:
    return (pts - root_rest) @ root_T[:3, :3].T + root_T[:3, 3]


def visible_fraction(cam, depth: np.ndarray, pts_world: np.ndarray, tol: float = 0.004) -> float:
    """Share of sample points on the marker that the camera sees (depth test against the
    rendered depth buffer), 0 for points outside the image."""
    w2c = np.linalg.inv(cam.cam_to_world)
    pc = pts_world @ w2c[:3, :3].T + w2c[:3, 3]
    z = -pc[:, 2]
    px = cam.project(pts_world)
    h, w = depth.shape
    ok = 0
    for (x, y), zi in zip(px, z, strict=True):
        i, j = int(np.floor(y)), int(np.floor(x))
        if 0 <= i < h and 0 <= j < w and depth[i, j] > 0 and abs(depth[i, j] - zi) < tol:
            ok += 1
    return ok / len(px)


def sample_grid(corners: np.ndarray, n: int = 7) -> np.ndarray:
    """n x n points inside the quad TL, TR, BR, BL (inset by half a step)."""
    tl, tr, br, bl = corners
    s = (np.arange(n) + 0.5) / n
    a, b = np.meshgrid(s, s, indexing="xy")
    a, b = a.ravel()[:, None], b.ravel()[:, None]
    top = tl + (tr - tl) * a
    bot = bl + (br - bl) * a
    return top + (bot - top) * b
