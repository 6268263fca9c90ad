#!/usr/bin/env bash
# The dashboard's browser tests drive Debian's Chromium (Playwright is told its path, so Playwright
# never downloads a browser). Installs it with apt-get when it is missing; quiet and safe to run again.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup: /usr/bin/chromium is missing and apt-get is not available: install Debian's 'chromium' package to run the dashboard's browser tests" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "setup: /usr/bin/chromium is missing; installing it needs root: sudo apt-get install chromium" >&2
  exit 1
fi
echo "setup: apt-get install chromium (for the dashboard's browser tests)" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>/tmp/setup-chromium.err; then
  # A fresh machine may have no package lists yet.
  if ! { apt-get update -qq >/dev/null 2>>/tmp/setup-chromium.err \
         && apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>>/tmp/setup-chromium.err; }; then
    echo "setup: apt-get could not install chromium; its errors:" >&2
    cat /tmp/setup-chromium.err >&2
    exit 1
  fi
fi
[ -x /usr/bin/chromium ] || { echo "setup: chromium installed but /usr/bin/chromium is missing" >&2; exit 1; }
echo "setup: $(/usr/bin/chromium --version 2>/dev/null || echo chromium) installed" >&2
