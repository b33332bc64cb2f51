#!/usr/bin/env bash
# Trinocular's matcher vs OpenCV StereoSGBM (SGBM_3WAY, 2 threads) on one 5 MP pair of the
# sample rig over its working range's disparities, in one run (issue #5). OpenCV comes from
# pip (opencv-python-headless) here only; the library never uses it.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -c "import cv2" 2>/dev/null || pip install --quiet opencv-python-headless numpy
swift build -c release --product trinocular >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
.build/release/trinocular synth capture --scene "${1:-mounds}" --seed "${2:-1}" --noise 1.5 --depth --out "$work/capture" 2>/dev/null
.build/release/trinocular reconstruct "$work/capture" --out "$work/out" --save-disparities
python3 Benchmarks/opencv-side-by-side.py "$work/capture" "$work/out"
