"""Procedural CLEVR-like scenes: the offline stand-in for i-CLEVR.

A scene is a gray floor under a soft light with 1-3 objects on it: cubes, spheres and
cylinders in CLEVR's eight colours, shaded so they read as 3-D, smaller when farther
away, with soft shadows. Each image is drawn at ``SUPERSAMPLE`` times its size and
box-filtered down, which anti-aliases every edge.

Scenes are deterministic: the random stream of a scene depends only on the seed and the
scene's number, so ``CLEVR_train_000123_0/1/2.png`` are one scene with one, two and three
objects, as in i-CLEVR, where each file adds one object to the previous one.
"""
from __future__ import annotations

import re
import zlib
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import torch

SHAPES = ("cube", "sphere", "cylinder")
# CLEVR's own colour values (clevr-dataset-gen, data/properties.json), in the lab's order.
COLOURS = {"gray": (87, 87, 87), "red": (173, 35, 35), "blue": (42, 75, 215), "green": (29, 105, 20),
           "brown": (129, 74, 25), "purple": (129, 38, 192), "cyan": (41, 208, 208),
           "yellow": (255, 238, 51)}
# "gray cube": 0 ... "yellow cube": 7, "gray sphere": 8 ... "yellow cylinder": 23
OBJECT_NAMES = [f"{colour} {shape}" for shape in SHAPES for colour in COLOURS]

SUPERSAMPLE = 3
ELEVATION = 0.55            # how much of an object's depth shows on screen (camera looking down)
LIGHT = np.array([-0.45, 0.75, 0.5]) / np.linalg.norm([-0.45, 0.75, 0.5])   # (x right, y up, z to viewer)


def scene_rng(filename: str, seed: int = 0) -> np.random.Generator:
    """The random stream of the scene a file belongs to: ``..._000123_2.png`` -> scene 123."""
    m = re.search(r"_(\d+)_\d+\.\w+$", filename)
    key = int(m.group(1)) if m else zlib.crc32(filename.encode())
    return np.random.default_rng([seed, key])


def _project(gx: float, gz: float, size: int) -> tuple[float, float, float]:
    """Ground point (gx in [-1, 1] left-right, gz in [0, 1] near-far) -> screen x, y, scale."""
    d = 1.0 + 1.1 * gz                       # distance from the camera: far objects shrink
    return size * (0.5 + 0.40 * gx / d), size * (0.30 + 0.62 / d), size / d


def _layout(rng: np.random.Generator, n: int, size: int, zoom: float = 1.0) -> list[dict]:
    """Positions, sizes and turns of n objects, placed one at a time (so the first k of a
    layout are the layout of k objects) so that none hides much of another; ``zoom``
    scales the objects (and keeps them in the frame)."""
    placed = []
    for _ in range(n):
        for attempt in range(200):
            gx, gz = rng.uniform(-0.85, 0.85) / zoom ** 0.5, rng.uniform(0.0, 1.0)
            sx, sy, scale = _project(gx, gz, size)
            r = scale * rng.uniform(0.085, 0.11) * zoom
            obj = dict(sx=sx, sy=sy, r=r, yaw=rng.uniform(0, np.pi / 2), box=_screen_box(sx, sy, r))
            if all(_overlap(obj["box"], o["box"]) < 0.15 for o in placed) or attempt == 199:
                placed.append(obj)
                break
    return placed


def _screen_box(sx, sy, r):
    return (sx - 1.45 * r, sy - 2.6 * r, sx + 1.45 * r, sy + 0.8 * r)   # x0, y0, x1, y1


def _overlap(a, b) -> float:
    """Shared area of two boxes over the smaller box's area."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    area = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return w * h / area


def _lambert(normal: np.ndarray) -> np.ndarray:
    """Brightness of a surface with unit normals (..., 3) under LIGHT plus ambient light."""
    return 0.38 + 0.72 * np.clip(normal @ LIGHT, 0, None)


def _specular(normal: np.ndarray, power: float = 24.0) -> np.ndarray:
    half = LIGHT + np.array([0.0, 0.0, 1.0])
    return np.clip(normal @ (half / np.linalg.norm(half)), 0, None) ** power


def _in_polygon(x, y, pts) -> np.ndarray:
    """Mask of points inside a convex polygon (corners in either winding order)."""
    signs = []
    for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1]):
        signs.append((x1 - x0) * (y - y0) - (y1 - y0) * (x - x0))
    s = np.stack(signs)
    return (s >= 0).all(0) | (s <= 0).all(0)


def _paint(canvas, mask, colour, shade, spec=None):
    """Write colour * shade (+ white highlight) where mask is set."""
    rgb = colour[None, :] * shade[mask][:, None]
    if spec is not None:
        rgb = rgb + 0.6 * spec[mask][:, None]
    canvas[mask] = np.clip(rgb, 0, 1)


def _draw_sphere(canvas, x, y, o, colour):
    r = o["r"] * 1.05
    cx, cy = o["sx"], o["sy"] - r * 0.95
    dx, dy = (x - cx) / r, (cy - y) / r
    rr = dx * dx + dy * dy
    mask = rr <= 1.0
    normal = np.stack([dx, dy, np.sqrt(np.clip(1 - rr, 0, 1))], -1)
    _paint(canvas, mask, colour, _lambert(normal), _specular(normal))


def _draw_cylinder(canvas, x, y, o, colour):
    r, h = o["r"], 1.9 * o["r"]
    cx, base = o["sx"], o["sy"]
    e = ELEVATION * r                                      # vertical semi-axis of the end ellipses
    dx = (x - cx) / r
    in_base = dx * dx + ((y - base) / e) ** 2 <= 1
    in_top = dx * dx + ((y - (base - h)) / e) ** 2 <= 1
    body = (np.abs(dx) <= 1) & (y >= base - h) & (y <= base) | in_base
    nx = np.clip(dx, -1, 1)
    side = np.stack([nx, np.zeros_like(nx), np.sqrt(1 - nx * nx)], -1)
    _paint(canvas, body, colour, _lambert(side), 0.5 * _specular(side, 40))
    up = np.broadcast_to(np.array([0.0, 1.0, 0.0]), side.shape)
    _paint(canvas, in_top, colour, _lambert(up) * 1.05)


def _draw_cube(canvas, x, y, o, colour):
    r, h = o["r"] * 0.92, 1.75 * o["r"] * 0.92
    cx, base = o["sx"], o["sy"]
    c, s = np.cos(o["yaw"]), np.sin(o["yaw"])
    # base corners in the ground plane (x right, z towards the viewer), turned by yaw
    corners = [(c * u - s * v, s * u + c * v) for u, v in ((-r, -r), (r, -r), (r, r), (-r, r))]
    screen = [(cx + gx, base + ELEVATION * gz) for gx, gz in corners]    # z towards viewer -> lower
    top = [(px, py - h) for px, py in screen]
    for k in range(4):                                     # side faces that face the camera
        (x0, z0), (x1, z1) = corners[k], corners[(k + 1) % 4]
        nx, nz = (z1 - z0), -(x1 - x0)                      # outward normal of edge k
        if nz <= 0:
            continue
        n = np.array([nx, 0.0, nz]) / np.hypot(nx, nz)
        face = [screen[k], screen[(k + 1) % 4], top[(k + 1) % 4], top[k]]
        mask = _in_polygon(x, y, face)
        canvas[mask] = np.clip(colour * (0.38 + 0.72 * max(n @ LIGHT, 0)), 0, 1)
    mask = _in_polygon(x, y, top)
    canvas[mask] = np.clip(colour * (0.38 + 0.72 * LIGHT[1]) * 1.05, 0, 1)


DRAW = {"cube": _draw_cube, "sphere": _draw_sphere, "cylinder": _draw_cylinder}


def _floor(rng, n: int) -> np.ndarray:
    """A gray floor lit softly from a light somewhere above and behind the objects."""
    y, x = np.mgrid[0:n, 0:n] / n
    lx, ly = rng.uniform(0.3, 0.7), rng.uniform(0.1, 0.4)
    glow = np.exp(-((x - lx) ** 2 + (y - ly) ** 2) / 0.35)
    base = rng.uniform(0.40, 0.47) + 0.16 * glow + 0.05 * y
    return np.repeat(base[..., None], 3, -1)


def _stripes(x, y, o, period: float) -> np.ndarray:
    """Zebra stripes on an object: wavy dark bands counted up from its base, ``period`` of its
    radius apart, so the pattern follows the object (where it stands, how big it is), not the
    image grid."""
    v = (o["sy"] - y) / (period * o["r"]) + 0.3 * np.sin(np.pi * (x - o["sx"]) / o["r"])
    return (v % 1.0) < 0.45


STYLES = ("plain", "striped")
STRIPE_PERIOD = 1.24       # two dark bands on an object; 0.62 paints three or four narrow ones


def render_scene(labels: list[str], rng: np.random.Generator, size: int = 64, style: str = "plain",
                 zoom: float = 1.0, with_mask: bool = False, stripe_period: float = STRIPE_PERIOD):
    """One scene holding the named objects ("red cube", ...), as uint8 (size, size, 3).

    ``style='striped'`` paints the same scene (the random stream is used alike) with each
    object striped like a zebra, bands ``stripe_period`` object radii apart: the hidden ground
    truth of the CycleGAN lab's plain <-> striped translation. ``zoom`` makes the objects bigger.
    ``with_mask`` also returns the objects' mask, bool (size, size): the pixels mostly covered by
    an object.
    """
    if style not in STYLES:
        raise ValueError(f"unknown scene style {style!r}; choose from {', '.join(STYLES)}")
    n = size * SUPERSAMPLE
    canvas = _floor(rng, n)
    layout = _layout(rng, len(labels), n, zoom)
    y, x = np.mgrid[0:n, 0:n] + 0.5
    covered = np.zeros((n, n), bool)
    for o in layout:                                       # soft shadows, down-right of each object
        d2 = ((x - o["sx"] - 0.6 * o["r"]) / (1.5 * o["r"])) ** 2 + ((y - o["sy"] + 0.1 * o["r"]) / (0.8 * o["r"])) ** 2
        canvas *= (1 - 0.45 * np.exp(-d2 * 1.5))[..., None]
    for k in sorted(range(len(labels)), key=lambda k: layout[k]["sy"]):   # far to near
        colour_name, shape = labels[k].split()
        o = layout[k]
        x0, y0, x1, y1 = (int(max(0, v)) for v in o["box"])
        x1, y1 = min(n, x1 + 2), min(n, y1 + 2)
        crop, xs, ys = canvas[y0:y1, x0:x1], x[y0:y1, x0:x1], y[y0:y1, x0:x1]
        before = crop.copy()
        DRAW[shape](crop, xs, ys, o, np.array(COLOURS[colour_name]) / 255.0)
        drawn = (crop != before).any(-1)
        covered[y0:y1, x0:x1] |= drawn
        if style == "striped":
            crop[drawn & _stripes(xs, ys, o, stripe_period)] *= 0.12
    image = canvas.reshape(size, SUPERSAMPLE, size, SUPERSAMPLE, 3).mean((1, 3))
    image = (image * 255 + 0.5).clip(0, 255).astype(np.uint8)
    if with_mask:
        return image, covered.reshape(size, SUPERSAMPLE, size, SUPERSAMPLE).mean((1, 3)) > 0.5
    return image


def _render_job(job: tuple):
    labels, name, seed, size, style, zoom, stripe_period = job
    return render_scene(labels, scene_rng(name, seed), size, style, zoom, with_mask=True, stripe_period=stripe_period)


def render_jobs(jobs: list[tuple], workers: int | None = None) -> list:
    """(image, mask) for each job (labels, filename, seed, size, style, zoom, stripe_period), rendered
    by ``workers`` processes (None: as many as torch's threads, which the labs set to their
    ``num_threads``). Each scene has its own random stream, so the images do not depend on the
    number of workers."""
    workers = workers or torch.get_num_threads()
    if workers == 1 or len(jobs) < 100:
        return [_render_job(job) for job in jobs]
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(_render_job, jobs, chunksize=-(-len(jobs) // (8 * workers))))


def render_many(label_lists: list[list[str]], filenames: list[str] | None = None, seed: int = 0,
                size: int = 64, zoom: float = 1.0, with_masks: bool = False):
    """Scenes for many label lists, uint8 (N, size, size, 3); filenames pick each scene's
    random stream (defaults to one fresh scene per entry). ``with_masks``: also their object
    masks, bool (N, size, size)."""
    names = filenames or [f"scene_{k:06d}_0.png" for k in range(len(label_lists))]
    drawn = render_jobs([(labels, name, seed, size, "plain", zoom, STRIPE_PERIOD)
                         for labels, name in zip(label_lists, names)])
    images = np.stack([image for image, _ in drawn])
    return (images, np.stack([mask for _, mask in drawn])) if with_masks else images


VARIETIES = {"one": "one cube of any colour", "many": "1-3 objects of any shape and colour",
             "close": "one object of any shape and colour, close up, filling most of the frame"}
CLOSE_ZOOM = 7


def render_variety(kind: str, n: int, size: int = 64, seed: int = 0, with_masks: bool = False,
                   zoom: float | None = None):
    """n scenes of a given variability, uint8 (n, size, size, 3): 'one' (one cube of any colour,
    a uniform dataset, like report 000's stock photos of cars), 'many' (1-3 objects of any
    shape and colour, a varied one, like its cats) or 'close' (one object seen close up, so that
    it fills the frame as the cakes of report 003's photos do). ``zoom`` scales the objects
    (None: the i-CLEVR camera's size for 'one' and 'many', ``CLOSE_ZOOM`` for 'close').
    ``with_masks``: also the object masks, bool (n, size, size)."""
    if kind not in VARIETIES:
        raise ValueError(f"unknown scene variety {kind!r}; choose from {', '.join(VARIETIES)}")
    rng = np.random.default_rng([seed, 7])
    if kind == "one":
        label_lists = [[f"{rng.choice(list(COLOURS))} cube"] for _ in range(n)]
    elif kind == "close":
        label_lists = [[rng.choice(OBJECT_NAMES)] for _ in range(n)]
    else:
        label_lists = [list(rng.choice(OBJECT_NAMES, size=rng.integers(1, 4), replace=False)) for _ in range(n)]
    names = [f"{kind}_{k:06d}_0.png" for k in range(n)]
    if zoom is None:
        zoom = CLOSE_ZOOM if kind == "close" else 1.0
    return render_many(label_lists, names, seed=seed, size=size, zoom=zoom, with_masks=with_masks)


TEST_OFFSET = 10 ** 7      # test scenes' numbers: their random streams are never a training scene's


def render_domains(n_train: int, n_test: int, size: int = 32, seed: int = 0, zoom: float = 3.0,
                   stripe_period: float = STRIPE_PERIOD) -> dict[str, np.ndarray]:
    """The CycleGAN lab's two scene domains, uint8 (N, size, size, 3) each: A plain objects,
    B the same kinds of objects striped like a zebra (1-2 objects of any shape and colour; bands
    ``stripe_period`` object radii apart).

    ``trainA`` and ``trainB`` are different scenes (unpaired, as real domains are);
    ``testA[k]`` and ``testB[k]`` are one scene in both styles: the hidden ground truth
    that every test translation is scored against.
    """
    def label_lists(n: int, stream: int) -> list[list[str]]:
        rng = np.random.default_rng([seed, stream])
        return [list(rng.choice(OBJECT_NAMES, size=rng.integers(1, 3), replace=False)) for _ in range(n)]

    def draw(label_lists: list[list[str]], names: list[str], style: str) -> np.ndarray:
        jobs = [(labels, name, seed, size, style, zoom, stripe_period) for labels, name in zip(label_lists, names)]
        return np.stack([image for image, _ in render_jobs(jobs)])

    # Training scenes come from one stream and test scenes from another, so the test pairs
    # are the same whatever the number of training scenes.
    train = label_lists(2 * n_train, 11)
    test = label_lists(n_test, 12)
    train_names = [f"cycle_{k:06d}_0.png" for k in range(2 * n_train)]
    test_names = [f"cycle_{TEST_OFFSET + k}_0.png" for k in range(n_test)]
    return {
        "trainA": draw(train[:n_train], train_names[:n_train], "plain"),
        "trainB": draw(train[n_train:], train_names[n_train:], "striped"),
        "testA": draw(test, test_names, "plain"),
        "testB": draw(test, test_names, "striped"),
    }
