#!/usr/bin/env bash
# Runs every test of the solution. Emulators (DynamoDB Local, fauxqs) are started and
# stopped by the test assemblies' own fixtures, bound to 127.0.0.1 on free ports.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
results="${TEST_RESULTS_DIR:-$root/TestResults}"
rm -rf "$results"
# Two test assemblies at a time on these 2-core machines: several suites measure time-based behaviour
# (rate limits, timeouts, failover) and must not starve each other.
dotnet test NextGenCrm.sln --max-parallel-test-modules 2 --report-trx --results-directory "$results" "$@"
