#!/usr/bin/env python3
"""Renders samples/sphere-capture: a synthetic three-camera capture with known geometry.

A matte sphere (radius 80 mm, centre 600 mm in front of cam0) before a flat backdrop
(z = 720 mm), both covered in a seeded 3D value-noise texture (so that every camera sees the
same surface speckle, as projected-pattern systems give skin), lit by one distant light.
Cameras follow OpenCV's model and the contract's conventions (x_cam = R x_world + t, mm,
pixel (0,0) = centre of the top-left pixel). 2×2 supersampling per pixel.

Needs numpy only. Deterministic: the same script writes the same bytes.
Run from the repository root:  python3 scripts/make-sample.py
"""
import json
import os
import struct
import zlib

import numpy as np

W, H = 640, 512
FX = FY = 1100.0
CX, CY = (W - 1) / 2, (H - 1) / 2
K1 = -0.02
SPHERE_C = np.array([0.0, 0.0, 600.0])
SPHERE_R = 80.0
BACKDROP_Z = 720.0
OUT = os.path.join("samples", "sphere-capture")


def rodrigues(r):
    r = np.asarray(r, float)
    th = np.linalg.norm(r)
    if th < 1e-15:
        return np.eye(3)
    k = r / th
    kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.cos(th) * np.eye(3) + (1 - np.cos(th)) * np.outer(k, k) + np.sin(th) * kx


def cameras():
    """cam0 at the origin; cam1, cam2 at ±12° about y, converging on the sphere centre,
    with a small tilt so that no two cameras share a row."""
    out = []
    for cid, ry, rx in (("cam0", 0.0, 0.0), ("cam1", 12.0, 1.0), ("cam2", -12.0, -1.0)):
        R = rodrigues([np.radians(rx), np.radians(ry), 0.0])
        t = SPHERE_C - R @ SPHERE_C  # the sphere centre stays on the optical axis
        out.append((cid, R, t))
    return out


def hash3(i, j, k):
    h = (i * 73856093) ^ (j * 19349663) ^ (k * 83492791)
    h = (h ^ (h >> 13)) * 1274126177
    return ((h ^ (h >> 16)) & 0xFFFF) / 65535.0


def value_noise(p, scale):
    q = p / scale
    f = np.floor(q).astype(np.int64)
    t = q - f
    t = t * t * (3 - 2 * t)
    acc = 0.0
    for dx in (0, 1):
        for dy in (0, 1):
            for dz in (0, 1):
                w = (t[..., 0] if dx else 1 - t[..., 0]) * (t[..., 1] if dy else 1 - t[..., 1]) * (t[..., 2] if dz else 1 - t[..., 2])
                acc = acc + w * hash3(f[..., 0] + dx, f[..., 1] + dy, f[..., 2] + dz)
    return acc


def texture(p):
    return 0.5 * value_noise(p, 1.2) + 0.3 * value_noise(p, 3.0) + 0.2 * value_noise(p, 9.0)


def render(R, t):
    ss = 2
    offsets = (np.arange(ss) + 0.5) / ss - 0.5
    u, v = np.meshgrid(np.arange(W, dtype=float), np.arange(H, dtype=float))
    image = np.zeros((H, W))
    centre = -R.T @ t
    light = np.array([-0.4, -0.6, -1.0])
    light /= np.linalg.norm(light)
    for ox in offsets:
        for oy in offsets:
            xd, yd = (u + ox - CX) / FX, (v + oy - CY) / FY
            x, y = xd.copy(), yd.copy()
            for _ in range(30):  # invert radial distortion (k1 only) by fixed point
                x = xd / (1 + K1 * (x * x + y * y))
                y = yd / (1 + K1 * (x * x + y * y))
            d_cam = np.stack([x, y, np.ones_like(x)], -1)
            d = d_cam @ R  # rows: Rᵀ d
            d /= np.linalg.norm(d, axis=-1, keepdims=True)
            oc = centre - SPHERE_C
            b = d @ oc
            disc = b * b - (oc @ oc - SPHERE_R ** 2)
            s_hit = -b - np.sqrt(np.maximum(disc, 0))
            hit = (disc > 0) & (s_hit > 0)
            s_back = (BACKDROP_Z - centre[2]) / d[..., 2]
            s = np.where(hit, s_hit, s_back)
            p = centre + d * s[..., None]
            n = np.where(hit[..., None], (p - SPHERE_C) / SPHERE_R, np.array([0.0, 0.0, -1.0]))
            shade = 0.25 + 0.75 * np.clip(n @ light, 0, 1)  # light: unit vector towards the light
            image += texture(p) * shade
    image /= ss * ss
    return np.clip(np.round(image * 255), 0, 255).astype(np.uint8)


def write_png(path, gray):
    h, w = gray.shape
    raw = b"".join(b"\x00" + gray[y].tobytes() for y in range(h))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(png)


def main():
    os.makedirs(OUT, exist_ok=True)
    rig = {"format": "trinocular.rig/1", "units": "mm", "cameras": [],
           "calibration": {"source": "synthetic: scripts/make-sample.py (exact, no calibration error)"}}
    for cid, R, t in cameras():
        write_png(os.path.join(OUT, f"{cid}.png"), render(R, t))
        rig["cameras"].append({
            "id": cid, "imageSize": [W, H],
            "intrinsics": {"fx": FX, "fy": FY, "cx": CX, "cy": CY},
            "distortion": [K1, 0.0, 0.0, 0.0, 0.0],
            "R": [float(x) for x in R.reshape(-1)], "t": [float(x) for x in t]})
    with open(os.path.join(OUT, "rig.json"), "w") as f:
        json.dump(rig, f, indent=2)
        f.write("\n")
    capture = {"format": "trinocular.capture/1", "subject": "SYNTH-0001", "session": "sample",
               "region": "body", "consent": "publication", "workingRange": [480, 760]}
    with open(os.path.join(OUT, "capture.json"), "w") as f:
        json.dump(capture, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
