#!/usr/bin/env python3
"""Trinocular's matcher against OpenCV's StereoSGBM (mode SGBM_3WAY, 2 threads), side by
side on one rectified 5 MP pair of the sample rig over the disparity range its working
range implies (issue #5). Run by Benchmarks/opencv-side-by-side.sh, which renders the
capture (with true depth maps) and runs `trinocular reconstruct --save-disparities` first.

    opencv-side-by-side.py CAPTURE OUT

CAPTURE: a synthetic capture folder with CAPTURE.depth/cam0.png; OUT: reconstruct's output.
Both matchers see the same rectified pair (OpenCV rectifies it itself, with Trinocular's
conventions: stereoRectify flags=0, alpha=-1). SGBM leaves its first minDisparity +
numDisparities columns empty, so both images are padded on the left by the largest
disparity and the result cropped. Accuracy is measured against the truth from the depth
map: pixels with a disparity, mean |error|, share within 0.5 and 1 px.
"""
import json, sys, time, zlib, struct
import numpy as np
import cv2

def png16(path):
    img = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if img is None: raise SystemExit(f"cannot read {path}")
    return img

def main():
    capture, out = sys.argv[1], sys.argv[2]
    rig = json.load(open(f"{capture}/rig.json"))
    report = json.load(open(f"{out}/reconstruction.json"))
    pair = report["pairs"][0]
    a, b = pair["cameras"]
    lo, hi = pair["disparityRangePx"]
    ours_seconds = pair["seconds"]["match"]
    cams = {c["id"]: c for c in rig["cameras"]}
    def K(c): i = c["intrinsics"]; return np.array([[i["fx"], 0, i["cx"]], [0, i["fy"], i["cy"]], [0, 0, 1.0]])
    def D(c): return np.array(c["distortion"], float)
    def Rt(c): return np.array(c["R"], float).reshape(3, 3), np.array(c["t"], float)
    ca, cb = cams[a], cams[b]
    w, h = ca["imageSize"]
    Ra, ta = Rt(ca); Rb, tb = Rt(cb)
    R = Rb @ Ra.T; T = tb - R @ ta
    ours_rect = pair["rectification"]
    R1o, P1o, P2o = (np.array(ours_rect[k], float).reshape(3, -1) for k in ("R1", "P1", "P2"))
    R1, R2, P1, P2, Q, _, _ = cv2.stereoRectify(K(ca), D(ca).reshape(1, -1), K(cb), D(cb).reshape(1, -1), (w, h), R, T.reshape(3, 1), flags=0, alpha=-1)
    print(f"rectification vs OpenCV's (flags=0, alpha=-1): |R1 − R1cv| {np.abs(R1o - R1).max():.2e}, "
          f"|P1 − P1cv| {np.abs(P1o - P1).max():.2e} px, |P2 − P2cv| {np.abs(P2o - P2).max():.2e}")
    m1 = cv2.initUndistortRectifyMap(K(ca), D(ca), R1, P1, (w, h), cv2.CV_32FC1)
    m2 = cv2.initUndistortRectifyMap(K(cb), D(cb), R2, P2, (w, h), cv2.CV_32FC1)
    gray = lambda cam: cv2.imread(f"{capture}/{cam}.png", cv2.IMREAD_GRAYSCALE)
    left = cv2.remap(gray(a), m1[0], m1[1], cv2.INTER_LINEAR)
    right = cv2.remap(gray(b), m2[0], m2[1], cv2.INTER_LINEAR)

    # OpenCV SGBM_3WAY over the same range, padded on the left.
    cv2.setNumThreads(2)
    count = ((hi - lo + 1) + 15) // 16 * 16
    pad = max(0, lo + count)
    block = 5
    sgbm = cv2.StereoSGBM.create(minDisparity=lo, numDisparities=count, blockSize=block, P1=8 * block * block, P2=32 * block * block,
                                 disp12MaxDiff=1, uniquenessRatio=10, speckleWindowSize=100, speckleRange=2, mode=cv2.STEREO_SGBM_MODE_SGBM_3WAY)
    lp = cv2.copyMakeBorder(left, 0, 0, pad, 0, cv2.BORDER_REPLICATE)
    rp = cv2.copyMakeBorder(right, 0, 0, pad, 0, cv2.BORDER_REPLICATE)
    started = time.time()
    raw = sgbm.compute(lp, rp)
    opencv_seconds = time.time() - started
    opencv = raw[:, pad:].astype(np.float32) / 16
    opencv[raw[:, pad:] <= (lo - 1) * 16] = np.nan

    # Trinocular's map: value / 16 + the pair's offset (px), 0 = none.
    ours_png = png16(f"{out}/disparity-{a}-{b}.png").astype(np.float32)
    offset = pair["disparityPngOffsetPx"]
    ours = np.where(ours_png > 0, ours_png / 16 + offset, np.nan)

    # Truth: cam a's depth (0.05 mm, z along its axis) through the rectification.
    depth = png16(f"{capture}.depth/{a}.png").astype(np.float64) * 0.05
    xs = np.clip(np.rint(m1[0]).astype(int), 0, w - 1); ys = np.clip(np.rint(m1[1]).astype(int), 0, h - 1)
    z = depth[ys, xs]
    inside = (m1[0] >= 0) & (m1[0] <= w - 1) & (m1[1] >= 0) & (m1[1] <= h - 1) & (z > 0)
    pts = cv2.undistortPoints(np.stack([m1[0], m1[1]], -1).reshape(-1, 1, 2).astype(np.float64), K(ca), D(ca)).reshape(h, w, 2)
    X = np.stack([pts[..., 0] * z, pts[..., 1] * z, z], -1) @ R1.T
    u1 = P1[0, 0] * X[..., 0] / X[..., 2] + P1[0, 2]
    u2 = (P2[0, 0] * X[..., 0] + P2[0, 3]) / X[..., 2] + P2[0, 2]
    truth = np.where(inside, u1 - u2, np.nan)
    # Leave out pixels whose truth changes fast (occlusion edges, the silhouette).
    gx = np.abs(np.gradient(np.nan_to_num(truth, nan=-1e4), axis=1))
    known = np.isfinite(truth) & (gx < 1)

    def summary(name, d, seconds):
        have = known & np.isfinite(d)
        e = np.abs(d[have] - truth[have])
        print(f"{name:10s} {seconds:7.2f} s  {have.sum() / known.sum() * 100:6.2f} % of known pixels  "
              f"mean |error| {e.mean():.3f} px  within 0.5 px {np.mean(e <= 0.5) * 100:6.2f} %  within 1 px {np.mean(e <= 1) * 100:6.2f} %  "
              f"bad-2 over known {100 - (e <= 2).sum() / known.sum() * 100:6.2f} %")
    print(f"pair {a}–{b}, {w}×{h}, disparities {lo}…{hi} ({hi - lo + 1}; SGBM {count}, padded {pad} px)")
    summary("trinocular", ours, ours_seconds)
    summary("opencv", opencv, opencv_seconds)

main()
