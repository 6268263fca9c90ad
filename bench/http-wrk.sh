#!/usr/bin/env bash
# HTTP ingest measured with wrk (a C load generator, so the client takes little of the 2 cores):
# a Release silo on 127.0.0.1, 5 s warm-up then 10 s per body kind. Loopback only; bounded in time.
# Needs wrk (apt-get install wrk). Output also goes to bench/results/http-wrk.txt.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install wrk" >&2; exit 1; }
work="$(mktemp -d)"
port=5099
trap 'kill "$silo" 2>/dev/null || true; wait "$silo" 2>/dev/null || true; rm -rf "$work"' EXIT
dotnet build "$root/silo" -c Release -v quiet -nologo >/dev/null
# A real face crop (320x320, about 20 KB, from a demo photograph; ffmpeg and the photographs come with
# scripts/setup.sh): random bytes are refused (422) since crops are decoded, and a decodable picture
# without a face is "no face", searched again at every sighting.
photo="$root/tools/test-images/node_modules/@vladmandic/face-api/demo/sample3.jpg"
[ -f "$photo" ] && command -v ffmpeg >/dev/null || { echo "run scripts/setup.sh first (ffmpeg, demo photographs)" >&2; exit 1; }
ffmpeg -hide_banner -loglevel error -y -i "$photo" -vf crop=320:320:540:330 -q:v 2 "$work/crop.jpg"
base64 -w0 "$work/crop.jpg" >"$work/crop.b64"
dotnet "$root/silo/bin/Release/net10.0/NextGenCrm.Silo.dll" --Urls=http://127.0.0.1:$port \
  --Orleans:Endpoints:SiloPort=11199 --Orleans:Endpoints:GatewayPort=30099 --Logging:LogLevel:Default=Warning \
  --Images:Folder="$work/images" --Auth:SigningKeyFile="$work/signing-key.json" --Audit:Folder="$work/audit" \
  --RateLimits:SightingsPerSecond=10000000 >"$work/silo.log" 2>&1 &
silo=$!
# The API checks bearer tokens: an edge token of every branch, signed with this silo's key file.
export TOKEN="$(dotnet "$root/silo/bin/Release/net10.0/NextGenCrm.Silo.dll" tokens --role edge --branch '*' --key-file "$work/signing-key.json" 2>/dev/null)"
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.5; done
export CROP_FILE="$work/crop.b64"
{
  echo "# wrk against one Release silo on $(nproc) cores, $(date -u +%FT%TZ), 16 connections"
  for kind in small crop; do
    wrk -t1 -c16 -d5s -s "$root/bench/wrk/$kind.lua" "http://127.0.0.1:$port" >/dev/null
    echo "## $kind"
    wrk -t1 -c16 -d10s --latency -s "$root/bench/wrk/$kind.lua" "http://127.0.0.1:$port" | grep -E "Requests/sec|Non-2xx|Latency|50%|99%"
  done
} | tee "$root/bench/results/http-wrk.txt"
