#!/usr/bin/env bash
# How many faces the on-premises face search scans per millisecond on one core: the exact SIMD search of
# FaceDescriptorMatrix over 100,000 descriptors (or $1), in a process pinned to CPU 0 (taskset), 500 searches
# of returning visitors and 500 of strangers after a warm-up. Prints mean, p50, p99, max and faces per ms.
#   bash bench/face-search-one-core.sh [faces]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dotnet build -c Release "$root/bench" -v q -nologo -clp:ErrorsOnly >/dev/null
DOTNET_PROCESSOR_COUNT=1 taskset -c 0 dotnet "$root/bench/bin/Release/net10.0/NextGenCrm.Bench.dll" face-search --faces "${1:-100000}"
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) (a shared machine: other processes on CPU 0 slow it)"
