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
python3 - "$work/crop.b64" <<'PY'
import base64, random, sys
random.seed(7)
crop = bytes([0xFF, 0xD8, 0xFF, 0xE0]) + bytes(random.getrandbits(8) for _ in range(20 * 1024 - 6)) + bytes([0xFF, 0xD9])
open(sys.argv[1], "w").write(base64.b64encode(crop).decode())
PY
dotnet "$root/silo/bin/Release/net10.0/NextGenCrm.Silo.dll" --Urls=http://127.0.0.1:$port \
  --Orleans:SiloPort=11199 --Orleans:GatewayPort=30099 --Logging:LogLevel:Default=Warning \
  --Images:Folder="$work/images" >"$work/silo.log" 2>&1 &
silo=$!
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
