#!/usr/bin/env bash
# Trinocular's matcher vs OpenCV StereoSGBM (SGBM_3WAY, 2 threads) on one 5 MP pair of the
# sample rig (cam0–cam1 of the three-camera arc) over its working range's disparities, in
# one run (issue #5); then the whole reconstruction of the three-camera capture against
# OpenCV's rectify + SGBM_3WAY + reproject for the same pairs (issue 22). OpenCV comes from pip (opencv-python-headless) here only; the library
# never uses it. Usage: Benchmarks/opencv-side-by-side.sh [SCENE [SEED]]
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -c "import cv2, numpy" 2>/dev/null || pip install --quiet opencv-python-headless numpy
swift build -c release --product trinocular >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bin=.build/release/trinocular
"$bin" synth capture --scene "${1:-mounds}" --seed "${2:-1}" --noise 1.5 --depth --out "$work/full" 2>/dev/null
# The pair alone (a two-camera capture), so that its matching has the machine to itself.
mkdir "$work/capture"
cp "$work/full/cam0.png" "$work/full/cam1.png" "$work/full/capture.json" "$work/capture/"
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); r['cameras']=r['cameras'][:2]; json.dump(r, open(sys.argv[2], 'w'))" \
  "$work/full/rig.json" "$work/capture/rig.json"
ln -s "$work/full.depth" "$work/capture.depth"
"$bin" reconstruct "$work/capture" --out "$work/out" --save-disparities
python3 Benchmarks/opencv-side-by-side.py "$work/capture" "$work/out"
# The whole reconstruction: images to a textured, simplified mesh against OpenCV's points.
python3 Benchmarks/opencv-whole-reconstruction.py "$bin" "$work/full" "${RUNS:-3}"
