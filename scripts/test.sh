#!/usr/bin/env bash
# The test command (README, .ci/run): makes sure the browser tests have Debian's Chromium and the CJK fonts
# (without fonts-noto-cjk Chinese renders as empty boxes in the screenshots), then runs every test project.
# Extra arguments go to `dotnet test` (e.g. --filter ...).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
for pkg in chromium fonts-noto-cjk; do
  if [[ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)" != "install ok installed" ]]; then
    missing+=("$pkg")
  fi
done

if (( ${#missing[@]} > 0 )); then
  echo "scripts/test.sh: installing ${missing[*]} for the portal's browser tests" >&2
  if [[ "$(id -u)" == "0" ]]; then
    as_root=()
  elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    echo "scripts/test.sh: the portal's browser tests need ${missing[*]} (apt-get install chromium fonts-noto-cjk);" >&2
    echo "run this script as root or with sudo available, or install them yourself." >&2
    exit 1
  fi
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk
fi

dotnet test DataTrust.sln "$@"
