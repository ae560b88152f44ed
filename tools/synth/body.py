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
