#!/usr/bin/env bash
# Does the edge agent keep up on one core? Runs it pinned to CPU 0 (taskset) with two HTTP snapshot
# cameras at 2 fps that both serve one 1080p lobby frame, for 60 s, against a stand-in silo that
# prints the agent's heartbeats (frames/s and faces per camera) and refuses sightings (they stay in
# the buffer). Prints the heartbeats and the agent's CPU share of one core.
#   bash bench/edge-agent-one-core.sh [frame.jpg]
# Default frame: the "sample5+6" lobby frame (1920x1080, 9 faces) that the detection recall test
# writes to tests/NextGenCrm.EdgeAgent.Tests/bin/Debug/net10.0/recall-frames/ (run it first).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
frame="${1:-$root/tests/NextGenCrm.EdgeAgent.Tests/bin/Debug/net10.0/recall-frames/sample5+6.jpg}"
[ -f "$frame" ] || { echo "no frame at $frame: run dotnet test --project tests/NextGenCrm.EdgeAgent.Tests -- --filter-class '*DetectionRecall*' first, or pass a JPEG" >&2; exit 1; }
work="$(mktemp -d)"
port=$((20000 + RANDOM % 20000))

dotnet build -c Release "$root/edge-agent" -v q -nologo >/dev/null

cat >"$work/silo.py" <<PY
import http.server, time
jpeg = open('$frame', 'rb').read()
class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        self.send_response(200); self.send_header('Content-Type', 'image/jpeg'); self.send_header('Content-Length', str(len(jpeg))); self.end_headers(); self.wfile.write(jpeg)
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        if 'heartbeat' in self.path:
            print(time.strftime('%H:%M:%S'), self.path.split('/')[-2], body.decode(), flush=True)
        self.send_response(200 if 'heartbeat' in self.path else 503); self.send_header('Content-Length', '0'); self.end_headers()
http.server.ThreadingHTTPServer(('127.0.0.1', $port), Handler).serve_forever()
PY
cat >"$work/agent.json" <<JSON
{ "EdgeAgent": {
  "BranchId": "bench",
  "Silo": { "BaseUrl": "http://127.0.0.1:$port/", "HeartbeatInterval": "00:00:10" },
  "Buffer": { "Directory": "$work/buffer" },
  "Cameras": [
    { "Id": "lobby1", "Source": "HttpSnapshot", "Url": "http://127.0.0.1:$port/snapshot.jpg", "PollInterval": "00:00:00.500" },
    { "Id": "lobby2", "Source": "HttpSnapshot", "Url": "http://127.0.0.1:$port/snapshot.jpg", "PollInterval": "00:00:00.500" }
  ] } }
JSON

python3 "$work/silo.py" &
silo=$!
taskset -c 0 dotnet "$root/edge-agent/bin/Release/net10.0/NextGenCrm.EdgeAgent.dll" run --config "$work/agent.json" >"$work/agent.log" 2>&1 &
agent=$!
trap 'kill $agent $silo 2>/dev/null; rm -rf "$work"' EXIT
sleep 20 # start-up and the first tracks
before=$(awk '{print $14 + $15}' "/proc/$agent/stat")
sleep 40
after=$(awk '{print $14 + $15}' "/proc/$agent/stat")
echo "agent CPU over the last 40 s: $(awk -v a="$before" -v b="$after" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", (b - a) / hz / 40 }') of one core (pinned to CPU 0); load average $(cut -d' ' -f1-3 /proc/loadavg)"
