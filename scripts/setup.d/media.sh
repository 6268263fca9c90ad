#!/usr/bin/env bash
# Video for the edge agent's Ffmpeg camera source and its tests, from Debian's packages (the machines
# run as root): ffmpeg decodes video files and RTSP streams (and makes the tests' video), and the
# GStreamer RTSP server serves the tests' RTSP camera on 127.0.0.1. Nothing is installed when all is
# there already, so running it again costs a few dpkg look-ups.
set -euo pipefail

packages=(
  ffmpeg
  python3-gi                   # the test RTSP server is a short Python script on GStreamer's RTSP server
  gir1.2-gst-rtsp-server-1.0
  gstreamer1.0-plugins-base
  gstreamer1.0-plugins-good    # rtpjpegpay: the test camera sends Motion JPEG over RTP
)
missing=()
for package in "${packages[@]}"; do
  status="$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)"
  [ "$status" = "install ok installed" ] || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup: missing ${missing[*]} and apt-get is not available: install them with this system's package manager" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "setup: missing ${missing[*]}; installing needs root: run 'sudo apt-get install ${missing[*]}' (or scripts/setup.sh as root)" >&2
  exit 1
fi
echo "setup: installing ${missing[*]} from Debian's packages (apt-get)" >&2
export DEBIAN_FRONTEND=noninteractive
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# Waits for another apt run (up to 5 min) rather than failing on its lock.
apt=(apt-get -q -y -o DPkg::Lock::Timeout=300 -o Dpkg::Use-Pty=0)
if ! "${apt[@]}" install --no-install-recommends "${missing[@]}" >"$log" 2>&1; then
  # A fresh machine has no package lists yet (or stale ones): update, then try again.
  if ! { "${apt[@]}" update && "${apt[@]}" install --no-install-recommends "${missing[@]}"; } >>"$log" 2>&1; then
    tail -n 20 "$log" >&2
    echo "setup: apt-get could not install ${missing[*]} (see above); install them by hand: apt-get update && apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi
command -v ffmpeg >/dev/null 2>&1 || { echo "setup: apt-get reported success but ffmpeg is not on PATH" >&2; exit 1; }
echo "setup: installed ${missing[*]}" >&2
