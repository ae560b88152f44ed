"""Camera model, procedural room, lights, OpenGL (pyrender + OSMesa) rendering and H.264 output."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from .rotations import rot_z

SENSOR_LONG_SIDE_MM = 36.0


def _pinhole(cam):
    """The render camera: a pinhole with square pixels, principal point at the centre."""
    import pyrender

    return pyrender.IntrinsicsCamera(fx=cam.focal_px, fy=cam.focal_px, cx=cam.width / 2.0,
                                     cy=cam.height / 2.0, znear=0.05, zfar=50.0)


@dataclass
class Camera:
    """Pinhole camera, square pixels, principal point at the image centre.

    cam_to_world follows the OpenGL convention: camera x = image right, y = image up, the camera
    looks along its -z axis.
    """

    width: int
    height: int
    focal_px: float
    cam_to_world: np.ndarray

    @property
    def principal_point(self) -> tuple[float, float]:
        return self.width / 2.0, self.height / 2.0

    def project(self, pts: np.ndarray) -> np.ndarray:
        """World points [..., 3] -> continuous pixel coordinates [..., 2] (x right, y down,
        pixel (i, j) covers [i, i+1) x [j, j+1))."""
        w2c = np.linalg.inv(self.cam_to_world)
        p = pts @ w2c[:3, :3].T + w2c[:3, 3]
        depth = -p[..., 2]
        cx, cy = self.principal_point
        u = cx + self.focal_px * p[..., 0] / depth
        v = cy - self.focal_px * p[..., 1] / depth
        return np.stack([u, v], axis=-1)

    def vertical_fov_deg(self) -> float:
        return float(np.degrees(2 * np.arctan(self.height / 2.0 / self.focal_px)))


def look_at_camera(
    position: np.ndarray,
    target: np.ndarray,
    roll_deg: float,
    width: int,
    height: int,
    focal_px: float,
) -> Camera:
    """Camera at ``position`` looking at ``target`` (world Z up), then rolled about its view axis.

    Positive roll turns the camera counter-clockwise as seen from behind it, so the scene appears
    turned clockwise in the image.
    """
    fwd = np.asarray(target, float) - np.asarray(position, float)
    fwd /= np.linalg.norm(fwd)
    right = np.cross(fwd, [0.0, 0.0, 1.0])
    right /= np.linalg.norm(right)
    up = np.cross(right, fwd)
    r = np.stack([right, up, -fwd], axis=1)  # columns: camera x, y, z in world
    r = r @ rot_z(roll_deg)
    m = np.eye(4)
    m[:3, :3] = r
    m[:3, 3] = position
    return Camera(width, height, focal_px, m)


# ---------------------------------------------------------------------------- room
def _grid(nu: int, nv: int):
    u, v = np.meshgrid(np.linspace(0, 1, nu), np.linspace(0, 1, nv), indexing="xy")
    faces = []
    for j in range(nv - 1):
        for i in range(nu - 1):
            a = j * nu + i
            faces.append([a, a + 1, a + nu + 1])
            faces.append([a, a + nu + 1, a + nu])
    return u.ravel(), v.ravel(), np.array(faces, dtype=np.int64)


def _value_noise(rng: np.random.Generator, u, v, scale: float, octaves: int = 3):
    """Smooth value noise on [0,1]^2, roughly in [-1, 1]."""
    total = np.zeros_like(u)
    amp, norm = 1.0, 0.0
    for o in range(octaves):
        n = int(scale * 2**o) + 2
        g = rng.uniform(-1, 1, (n + 1, n + 1))
        x, y = u * n, v * n
        i, j = np.clip(x.astype(int), 0, n - 1), np.clip(y.astype(int), 0, n - 1)
        fx, fy = x - i, y - j
        fx, fy = fx * fx * (3 - 2 * fx), fy * fy * (3 - 2 * fy)
        a = g[j, i] * (1 - fx) + g[j, i + 1] * fx
        b = g[j + 1, i] * (1 - fx) + g[j + 1, i + 1] * fx
        total += amp * (a * (1 - fy) + b * fy)
        norm += amp
        amp *= 0.5
    return total / norm


def room_meshes(bg: dict, facing: int, seed: int):
    """Wall (vertical plane behind the subject as seen by the camera) and floor, vertex coloured.

    facing = -1 when the camera is in front of the subject (at -Y), +1 when behind.
    Returns a list of (vertices, faces, colours in linear RGB).
    """
    rng = np.random.default_rng(seed + 7)
    meshes = []
    kind = bg["kind"]
    wall_y = -facing * bg["wall_dist_m"]  # on the far side of the subject from the camera
    half_w = 6.0
    n = 81
    u, v, f = _grid(n, n)
    x = (u - 0.5) * 2 * half_w
    z = v * 5.0
    wall = np.stack([x, np.full_like(x, wall_y), z], 1)
    base = np.array(bg["wall"], float)
    col = np.tile(base, (len(u), 1))
    if kind == "gradient":
        top = np.array(bg["wall2"], float)
        col = base[None] * (1 - v[:, None]) + top[None] * v[:, None]
    elif kind == "noise":
        nz = _value_noise(rng, u, v, bg.get("noise_scale", 4.0))
        col = base[None] * (1 + 0.35 * nz[:, None])
    elif kind == "panels":
        stripe = (np.floor(u * bg.get("panels", 9)) % 2)[:, None]
        col = base[None] * (1 - 0.18 * stripe)
    col = np.where(z[:, None] < bg.get("skirting_m", 0.1), np.array(bg["floor"]) * 0.6, col)
    meshes.append((wall, f, np.clip(col, 0, 1)))

    u, v, f = _grid(n, n)
    fx = (u - 0.5) * 2 * half_w
    fy = wall_y + facing * v * 12.0
    floor = np.stack([fx, fy, np.zeros_like(fx)], 1)
    fbase = np.array(bg["floor"], float)
    if bg.get("floor_kind", "plain") == "tiles":
        tile = bg.get("floor_tile_m", 0.5)
        chk = ((np.floor(fx / tile) + np.floor(fy / tile)) % 2)[:, None]
        fcol = fbase[None] * (1 - 0.2 * chk)
    else:
        nz = _value_noise(rng, u, v, 6.0)
        fcol = fbase[None] * (1 + 0.15 * nz[:, None])
    meshes.append((floor, f, np.clip(fcol, 0, 1)))
    return meshes


# ---------------------------------------------------------------------------- renderer
class Renderer:
    """pyrender scene: static room and lights, the body mesh replaced every frame."""

    def __init__(self, cam: Camera, room, light: dict, facing: int):
        os.environ.setdefault("PYOPENGL_PLATFORM", "osmesa")
        import pyrender
        import trimesh

        self.pyrender = pyrender
        self.trimesh = trimesh
        self.cam = cam
        amb = light["ambient"]
        self.scene = pyrender.Scene(bg_color=[0, 0, 0, 1], ambient_light=[amb, amb, amb])
        for verts, faces, cols in room:
            # turn each plane's front face toward the camera (back faces are culled)
            tri = verts[faces[0]]
            nrm = np.cross(tri[1] - tri[0], tri[2] - tri[0])
            if np.dot(nrm, cam.cam_to_world[:3, 3] - tri[0]) < 0:
                faces = faces[:, ::-1]
            tm = trimesh.Trimesh(verts, faces, vertex_colors=_to_srgb8(cols), process=False)
            self.scene.add(pyrender.Mesh.from_trimesh(tm, smooth=True))
        self.scene.add(_pinhole(cam), pose=cam.cam_to_world)
        # key light from the camera side, fill light from the other side
        key = _light_pose(light["key_elev"], light["key_azim"], facing)
        self.scene.add(
            pyrender.DirectionalLight(
                color=light["key_color"], intensity=light["key_strength"] * 3
            ),
            pose=key,
        )
        fill = _light_pose(
            25.0, -light["key_azim"] - 60.0 * np.sign(light["key_azim"] or 1), facing
        )
        self.scene.add(
            pyrender.DirectionalLight(color=[1, 1, 1], intensity=light["fill_strength"] * 3),
            pose=fill,
        )
        self.body_node = None
        self.r = pyrender.OffscreenRenderer(cam.width, cam.height)

    def render(self, verts: np.ndarray, faces: np.ndarray, vcols: np.ndarray) -> np.ndarray:
        pyrender, trimesh = self.pyrender, self.trimesh
        if self.body_node is not None:
            self.scene.remove_node(self.body_node)
        tm = trimesh.Trimesh(verts, faces, vertex_colors=vcols, process=False)
        mesh = pyrender.Mesh.from_trimesh(tm, smooth=True)
        self.body_node = self.scene.add(mesh)
        color, self.last_depth = self.r.render(self.scene)
        return color[:, :, :3]

    def body_mask(self, verts: np.ndarray, faces: np.ndarray) -> np.ndarray:
        """Silhouette of the body alone (for checking the projection)."""
        pyrender, trimesh = self.pyrender, self.trimesh
        s = pyrender.Scene()
        s.add(pyrender.Mesh.from_trimesh(trimesh.Trimesh(verts, faces, process=False)))
        cam = self.cam
        s.add(
            _pinhole(cam),
            pose=cam.cam_to_world,
        )
        depth = self.r.render(s, flags=pyrender.RenderFlags.DEPTH_ONLY)
        return depth > 0

    def close(self):
        self.r.delete()


def _light_pose(elev_deg: float, azim_deg: float, facing: int) -> np.ndarray:
    """Directional light shining toward the subject from the camera's side (facing -1: from -Y)."""
    e, a = np.radians(elev_deg), np.radians(azim_deg)
    # direction from the subject to the light
    d = np.array([np.sin(a) * np.cos(e), facing * np.cos(a) * np.cos(e), np.sin(e)])
    z = d / np.linalg.norm(d)  # the light shines along its -z
    x = np.cross([0.0, 0.0, 1.0], z)
    if np.linalg.norm(x) < 1e-6:
        x = np.array([1.0, 0.0, 0.0])
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    m = np.eye(4)
    m[:3, 0], m[:3, 1], m[:3, 2] = x, y, z
    return m


def _to_srgb8(lin: np.ndarray) -> np.ndarray:
    lin = np.clip(np.asarray(lin, float), 0, 1)
    s = np.where(lin <= 0.0031308, 12.92 * lin, 1.055 * lin ** (1 / 2.4) - 0.055)
    rgb = np.round(s * 255).astype(np.uint8)
    a = np.full(rgb.shape[:-1] + (1,), 255, np.uint8)
    return np.concatenate([rgb, a], axis=-1)


def srgb8_colours(lin: np.ndarray) -> np.ndarray:
    return _to_srgb8(lin)
