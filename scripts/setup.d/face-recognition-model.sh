#!/usr/bin/env bash
# Generates the face recognition model (dlib's ResNet, public domain) as ONNX from the weights that npm
# @vladmandic/face-api (MIT) ships in tools/test-images/ (installed by `npm ci`), with the build-time
# tool tools/face-recognition-model, and checks the weights and the generated file against the sha256
# pinned here (the embedder refuses any other file too). Nothing is downloaded; safe to run again.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
weights="$root/tools/test-images/node_modules/@vladmandic/face-api/model"
output="$root/tools/face-recognition-model/model/dlib_face_recognition_resnet.onnx"
# Also pinned in face-detection/Embedding/FaceEmbedder.cs (FaceEmbedderModel.Sha256).
model_sha256=78f5b264fee827f240ac12d7eb2ac5ebbf945b28d70baa9f314d9946c2123136
pinned=(
  "face_recognition_model.bin b413e420d6840b2775fba32008db6f3cddb07d485967fb42cfcf379c16a8c589"
  "face_recognition_model-weights_manifest.json cbaffa501b0b9275a12b63357a6843e7e30c054e1c9151e1a5f879b26e32986b"
)

if [ -f "$output" ] && [ "$(sha256sum "$output" | cut -d' ' -f1)" = "$model_sha256" ]; then
  exit 0
fi
for entry in "${pinned[@]}"; do
  read -r file expected <<<"$entry"
  if [ ! -f "$weights/$file" ]; then
    echo "setup: face recognition weights missing at $weights/$file (did 'npm ci' in tools/test-images/ fail?)" >&2
    exit 1
  fi
  actual="$(sha256sum "$weights/$file" | cut -d' ' -f1)"
  if [ "$actual" != "$expected" ]; then
    echo "setup: face recognition weights sha256 MISMATCH: $file is $actual, expected $expected" >&2
    exit 1
  fi
done
echo "setup: generating the face recognition model (ONNX) from face-api's weights" >&2
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! dotnet run -c Release --project "$root/tools/face-recognition-model" -- \
    "$weights/face_recognition_model-weights_manifest.json" "$output" >"$log" 2>&1; then
  cat "$log" >&2
  echo "setup: generating the face recognition model failed (see above)" >&2
  exit 1
fi
actual="$(sha256sum "$output" | cut -d' ' -f1)"
if [ "$actual" != "$model_sha256" ]; then
  rm -f "$output"
  echo "setup: generated face recognition model sha256 MISMATCH: got $actual, expected $model_sha256; removed it" >&2
  exit 1
fi
echo "setup: face recognition model sha256 ok" >&2
