#!/usr/bin/env python3
"""The whole reconstruction side by side (issue 22): `trinocular reconstruct` of a 3-camera
capture — images read, every pair rectified and matched, triangulated, fused, meshed,
simplified, textured, written — against OpenCV's points-only pipeline for the same pairs
in the same run: imread, stereoRectify + initUndistortRectifyMap + remap, StereoSGBM
(SGBM_3WAY, 2 threads) over the same disparity range (padded on the left as in
opencv-side-by-side.py), reprojectImageTo3D. Each side best and median of RUNS runs.

    opencv-whole-reconstruction.py TRINOCULAR CAPTURE [RUNS]
"""
import json, os, resource, subprocess, sys, tempfile, time
import numpy as np
import cv2

def ours(binary, capture, runs):
    seconds, report = [], None
    with tempfile.TemporaryDirectory() as work:
        for k in range(runs):
            out = os.path.join(work, f"out{k}")
            started = time.perf_counter()
            subprocess.run([binary, "reconstruct", capture, "--out", out], check=True, stderr=subprocess.DEVNULL)
            seconds.append(time.perf_counter() - started)
            report = report or json.load(open(os.path.join(out, "reconstruction.json")))
            size = sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out))
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return seconds, report, size, peak

def opencv(capture, pairs):
    rig = json.load(open(f"{capture}/rig.json"))
    cams = {c["id"]: c for c in rig["cameras"]}
    def K(c): i = c["intrinsics"]; return np.array([[i["fx"], 0, i["cx"]], [0, i["fy"], i["cy"]], [0, 0, 1.0]])
    def D(c): return np.array(c["distortion"], float).reshape(1, -1)
    def Rt(c): return np.array(c["R"], float).reshape(3, 3), np.array(c["t"], float)
    images = {}
    points = 0
    for pair in pairs:
        a, b = pair["cameras"]
        lo, hi = pair["disparityRangePx"]
        for cam in (a, b):
            if cam not in images:
                path = next(f"{capture}/{cam}{ext}" for ext in (".png", ".jpg", ".jpeg") if os.path.exists(f"{capture}/{cam}{ext}"))
                images[cam] = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
        ca, cb = cams[a], cams[b]
        w, h = ca["imageSize"]
        Ra, ta = Rt(ca); Rb, tb = Rt(cb)
        R = Rb @ Ra.T; T = tb - R @ ta
        R1, R2, P1, P2, Q, _, _ = cv2.stereoRectify(K(ca), D(ca), K(cb), D(cb), (w, h), R, T.reshape(3, 1), flags=0, alpha=-1)
        m1 = cv2.initUndistortRectifyMap(K(ca), D(ca), R1, P1, (w, h), cv2.CV_32FC1)
        m2 = cv2.initUndistortRectifyMap(K(cb), D(cb), R2, P2, (w, h), cv2.CV_32FC1)
        left = cv2.remap(images[a], m1[0], m1[1], cv2.INTER_LINEAR)
        right = cv2.remap(images[b], m2[0], m2[1], cv2.INTER_LINEAR)
        count = ((hi - lo + 1) + 15) // 16 * 16
        pad = max(0, lo + count)
        block = 5
        sgbm = cv2.StereoSGBM.create(minDisparity=lo, numDisparities=count, blockSize=block, P1=8 * block * block, P2=32 * block * block,
                                     disp12MaxDiff=1, uniquenessRatio=10, speckleWindowSize=100, speckleRange=2, mode=cv2.STEREO_SGBM_MODE_SGBM_3WAY)
        raw = sgbm.compute(cv2.copyMakeBorder(left, 0, 0, pad, 0, cv2.BORDER_REPLICATE), cv2.copyMakeBorder(right, 0, 0, pad, 0, cv2.BORDER_REPLICATE))[:, pad:]
        disparity = raw.astype(np.float32) / 16
        xyz = cv2.reprojectImageTo3D(disparity, Q)
        points += int((raw > (lo - 1) * 16).sum())
        del xyz
    return points

def main():
    binary, capture = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    cv2.setNumThreads(2)
    mine, report, size, peak = ours(binary, capture, runs)
    theirs, points = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        points = opencv(capture, report["pairs"])
        theirs.append(time.perf_counter() - started)
    mesh = report.get("mesh") or {}
    print(f"whole reconstruction of {capture} ({len(report['pairs'])} pairs), {runs} runs each, 2 threads:")
    print(f"  trinocular reconstruct  best {min(mine):6.2f} s  median {np.median(mine):6.2f} s  "
          f"({report['points']} points; mesh {mesh.get('faces', 0)} faces; outputs {size / 1e6:.1f} MB; peak {peak:.0f} MB)")
    print(f"  opencv rectify+SGBM_3WAY+reproject  best {min(theirs):6.2f} s  median {np.median(theirs):6.2f} s  ({points} disparities, points only)")
    print(f"  ratio ours / opencv (medians): {np.median(mine) / np.median(theirs):.2f}")

main()
