"""The posed body: anny model, world-frame bone rotations, joint centres and vertex colours.

World frame (metres): X = subject's left, Y = subject's back (the subject faces -Y), Z = up.
This is also anny's own model frame, so no axis swap is needed.

Pose control.  Every bone gets a *world delta* rotation G: the rotation that takes the bone from
the model's identity pose (A-pose, legs slightly apart) to the wanted pose, expressed in world axes
about the bone's head.  A bone without its own G inherits its parent's.  anny's default
``local-ref`` parameterisation composes deltas as G_child = G_parent @ D_child in world-aligned
axes, so the delta handed to anny is D_child = G_parent.T @ G_child, and D_root = G_root.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np

JOINT_BONES = {
    "hip_L": "upperleg01.L",
    "hip_R": "upperleg01.R",
    "shoulder_L": "upperarm01.L",
    "shoulder_R": "upperarm01.R",
    "knee_L": "lowerleg01.L",
    "knee_R": "lowerleg01.R",
    "ankle_L": "foot.L",
    "ankle_R": "foot.R",
    "head": "head",
    "neck": "neck01",
}


@functools.lru_cache(maxsize=1)
def load_model():
    """The anny full-body model (default anny rig and topology), loaded once per process."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import anny  # noqa: PLC0415  (heavy import, only when rendering)

        model = anny.Anny()
    model.eval()
    return model


def anny_version() -> str:
    try:
        import importlib.metadata as md

        return md.version("anny")
    except Exception:  # pragma: no cover
        return "unknown"


class Body:
    """One body shape (anny phenotype) that can be posed for a batch of frames."""

    def __init__(self, phenotype: dict):
        import torch

        self.torch = torch
        self.model = load_model()
        self.phenotype = dict(phenotype)
        self.labels = list(self.model.bone_labels)
        self.parents = [int(p) for p in self.model.bone_parents]
        self.index = {name: i for i, name in enumerate(self.labels)}
        for i, p in enumerate(self.parents):
            assert p < i, "bones are expected in parent-first order"
        with torch.no_grad():
            out = self.model(phenotype_kwargs=self.phenotype)
        self.ident_heads = out["bone_poses"][0, :, :3, 3].cpu().numpy().astype(float)
        self.ident_vertices = out["vertices"][0].cpu().numpy().astype(float)
        self.faces = self.model.get_triangular_faces().cpu().numpy().astype(np.int64)

    def head(self, name: str) -> np.ndarray:
        return self.ident_heads[self.index[name]]

    def direction(self, a: str, b: str) -> np.ndarray:
        d = self.head(b) - self.head(a)
        return d / np.linalg.norm(d)

    def stature(self) -> float:
        return float(self.ident_vertices[:, 2].max() - self.ident_vertices[:, 2].min())

    # ------------------------------------------------------------------ posing
    def pose(self, world_deltas: list[dict[str, np.ndarray]], chunk: int = 60):
        """Pose the body for a list of frames.

        world_deltas[f] maps bone name -> 3x3 world delta rotation G for frame f.
        Returns (vertices [F,V,3], bone heads [F,B,3]) with the root at the origin
        (the caller adds the root translation, a rigid shift).
        """
        torch = self.torch
        n = len(world_deltas)
        nb = len(self.labels)
        verts, heads = [], []
        for start in range(0, n, chunk):
            frames = world_deltas[start : start + chunk]
            b = len(frames)
            deltas = np.tile(np.eye(4), (b, nb, 1, 1))
            for k, spec in enumerate(frames):
                g = np.tile(np.eye(3), (nb, 1, 1))
                for i in range(nb):
                    name = self.labels[i]
                    p = self.parents[i]
                    if name in spec:
                        g[i] = spec[name]
                    elif p >= 0:
                        g[i] = g[p]
                    if p < 0:
                        deltas[k, i, :3, :3] = g[i]
                    elif name in spec:
                        deltas[k, i, :3, :3] = g[p].T @ g[i]
            pose = torch.as_tensor(deltas, dtype=self.model.dtype)
            with torch.no_grad():
                out = self.model(pose_parameters=pose, phenotype_kwargs=self.phenotype)
            verts.append(out["vertices"].cpu().numpy().astype(float))
            heads.append(out["bone_poses"][:, :, :3, 3].cpu().numpy().astype(float))
        return np.concatenate(verts), np.concatenate(heads)

    # ------------------------------------------------------------------ colours
    def vertex_groups(self, long_sleeves: bool, long_pants: bool) -> np.ndarray:
        """Per-vertex label: 0 skin, 1 shirt, 2 shorts/trousers, 3 shoes, 4 hair."""
        w = self.model.vertex_bone_weights.cpu().numpy()
        idx = self.model.vertex_bone_indices.cpu().numpy()
        names = self.labels

        def group_of(name: str) -> int:
            if name.startswith(("foot", "toe")):
                return 3
            if name.startswith(("spine", "clavicle", "shoulder01", "upperarm01")):
                return 1
            if long_sleeves and name.startswith(("upperarm02", "lowerarm")):
                return 1
            if name == "root" or name.startswith(("pelvis", "upperleg")):
                return 2
            if long_pants and name.startswith("lowerleg"):
                return 2
            return 0

        bone_group = np.array([group_of(nm) for nm in names])
        scores = np.zeros((w.shape[0], 4))
        for j in range(w.shape[1]):
            np.add.at(scores, (np.arange(w.shape[0]), bone_group[idx[:, j]]), w[:, j])
        labels = scores.argmax(1)
        # a simple hair cap on the skull
        v = self.ident_vertices
        hb = self.head("head")
        top = v[:, 2].max()
        rel = (v[:, 2] - hb[2]) / max(top - hb[2], 1e-6)
        head_bone = self.index["head"]
        on_head = (idx == head_bone) & (w > 0.5)
        on_head = on_head.any(1)
        cap = on_head & ((rel > 0.5) | ((v[:, 1] > hb[1] + 0.03) & (rel > 0.0)))
        labels[cap] = 4
        return labels


# ---------------------------------------------------------------------- clothing with clean hems
CLOTHING = ["default", "loose_shirt", "tucked_shirt", "shorts_contrast", "belt", "bare_torso"]
BELT = 5  # extra vertex label for a belt band


class CutMesh:
    """The body mesh with extra vertices on horizontal cut planes (rest pose), so that a hem or a
    belt edge runs along a straight line instead of along mesh edges.

    Every vertex is a fixed linear combination of at most 4 original vertices (``idx``, ``wt``);
    a new vertex lies on a mesh edge, so ``expand(posed)`` places it on the posed triangle.
    Vertices on a cut exist twice (one copy for each side), so no face mixes two colours.
    """

    def __init__(self, n_orig: int, faces: np.ndarray):
        self.idx = np.tile(np.arange(n_orig)[:, None], (1, 4))
        self.wt = np.zeros((n_orig, 4))
        self.wt[:, 0] = 1.0
        self.faces = faces.copy()

    @property
    def n(self) -> int:
        return len(self.idx)

    def expand(self, verts: np.ndarray) -> np.ndarray:
        """Original vertices [..., V, 3] -> all vertices [..., N, 3]."""
        return np.einsum("...vkc,vk->...vc", verts[..., self.idx, :], self.wt)

    def _combine(self, a: int, b: int, t: float) -> tuple[np.ndarray, np.ndarray]:
        w = {}
        for i, wi in zip(self.idx[a], self.wt[a] * (1 - t), strict=True):
            w[int(i)] = w.get(int(i), 0.0) + wi
        for i, wi in zip(self.idx[b], self.wt[b] * t, strict=True):
            w[int(i)] = w.get(int(i), 0.0) + wi
        items = sorted(w.items(), key=lambda kv: -kv[1])[:4]
        idx = np.array([k for k, _ in items] + [items[0][0]] * (4 - len(items)))
        wt = np.array([v for _, v in items] + [0.0] * (4 - len(items)))
        return idx, wt / wt.sum()

    def cut(self, rest: np.ndarray, region: np.ndarray, z0: float) -> np.ndarray:
        """Split the faces of ``region`` (vertex mask) that cross the plane Z = z0 (rest pose).
        Returns the new vertex mask of the region (including the new vertices)."""
        pos = self.expand(rest)
        above = pos[:, 2] > z0
        new_idx, new_wt, new_above = [], [], []
        edge_new: dict[tuple[int, int], tuple[int, int]] = {}

        def split_point(a: int, b: int) -> tuple[int, int]:
            key = (min(a, b), max(a, b))
            if key not in edge_new:
                lo, hi = key
                t = (z0 - pos[lo, 2]) / (pos[hi, 2] - pos[lo, 2])
                idx, wt = self._combine(lo, hi, float(t))
                k = self.n + len(new_idx)
                new_idx.extend([idx, idx])
                new_wt.extend([wt, wt])
                new_above.extend([True, False])
                edge_new[key] = (k, k + 1)  # (copy above, copy below)
            return edge_new[key]

        faces = []
        for f in self.faces:
            if not region[f].all():
                faces.append(f)
                continue
            s = above[f]
            if s.all() or (~s).all():
                faces.append(f)
                continue
            # rotate so that the lone vertex comes first (winding kept)
            lone = int(np.nonzero(s != (s.sum() >= 2))[0][0])
            a, b, c = (int(f[(lone + k) % 3]) for k in range(3))
            up_a = bool(above[a])
            pab, pac = split_point(a, b), split_point(a, c)
            ia = 0 if up_a else 1  # copy on a's side
            ib = 1 - ia
            faces.append([a, pab[ia], pac[ia]])
            faces.append([pab[ib], b, c])
            faces.append([pab[ib], c, pac[ib]])
        if new_idx:
            self.idx = np.concatenate([self.idx, np.array(new_idx)])
            self.wt = np.concatenate([self.wt, np.array(new_wt)])
        self.faces = np.array(faces, dtype=np.int64)
        new_region = np.concatenate([region, np.ones(len(new_idx), bool)])
        # remember which side each new vertex belongs to (for the labels)
        self.side_above = np.concatenate([above, np.array(new_above, bool)])
        return new_region


def clothing_mesh(body: "Body", labels: np.ndarray, variant: str
                  ) -> tuple["CutMesh", np.ndarray, dict]:
    """Cut the mesh for a clothing variant and relabel the torso / pelvis / thigh region.

    Levels are fixed to the pelvis in the rest pose: the waist line (tucked shirt, shorts
    waistband, belt centre) at the iliac-crest level, 0.05 x stature above the hip-joint centres;
    a loose shirt ends 0.035 x stature below them.  Returns the mesh, the labels of all its
    vertices and the levels used (metres above the hip-joint centres, rest pose)."""
    cm = CutMesh(len(labels), body.faces)
    if variant == "default":
        return cm, labels, {}
    rest = body.ident_vertices
    stature = body.stature()
    hjc_z = 0.5 * (body.head("upperleg01.L")[2] + body.head("upperleg01.R")[2])
    region = np.isin(labels, [1, 2])
    # bare_torso: no shirt, everything of the shirt region above the waistband is skin
    waist = 0.05 * stature
    levels = {"waist_above_hjc_m": round(waist, 4)}
    top = 0 if variant == "bare_torso" else 1
    if variant == "loose_shirt":
        hem = -0.035 * stature
        levels = {"shirt_hem_above_hjc_m": round(hem, 4)}
        region = cm.cut(rest, region, hjc_z + hem)
        lab = np.where(cm.side_above, 1, 2)
    elif variant == "belt":
        half = 0.0175
        levels["belt_width_m"] = 2 * half
        region = cm.cut(rest, region, hjc_z + waist - half)
        below_lo = ~cm.side_above
        region = cm.cut(rest, region, hjc_z + waist + half)
        above_hi = cm.side_above
        below_lo = np.concatenate([below_lo, np.zeros(cm.n - len(below_lo), bool)])
        # new vertices of the second cut lie above the first plane
        lab = np.where(above_hi, top, np.where(below_lo, 2, BELT))
    else:  # tucked_shirt, shorts_contrast, bare_torso
        region = cm.cut(rest, region, hjc_z + waist)
        lab = np.where(cm.side_above, top, 2)
    labels = np.concatenate([labels, np.zeros(cm.n - len(labels), labels.dtype)])
    labels = np.where(region, lab, labels)
    return cm, labels, levels
