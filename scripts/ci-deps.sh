#!/usr/bin/env bash
# ci-deps.sh installs what the browser (e2e/browser) and interop (e2e/interop)
# suites need on a bare Debian machine, as root. Idempotent: packages already
# present are not fetched again, and apt-get update runs at most once per call.
#
#   chromium          headless browser driven by chromedp (/usr/bin/chromium)
#   fonts-noto-cjk    Japanese glyphs for the pages' failure screenshots
#   python3-oauthlib  Debian's oauthlib, used with /usr/bin/python3 (mixi OAuth 1.0)
#   curl              seed replays
#   nodejs, npm       the oauth-1.0a signer (npm ci in e2e/interop/node)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

packages=(chromium fonts-noto-cjk python3-oauthlib curl ca-certificates)
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done

if ((${#missing[@]} > 0)); then
	if [[ $(id -u) -ne 0 ]]; then
		echo "ci-deps.sh: missing ${missing[*]}; run as root to install them" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update
	apt-get install -y --no-install-recommends "${missing[@]}"
fi

# The pinned oauth-1.0a signer (package-lock.json is committed).
(cd "$here/e2e/interop/node" && npm ci --no-audit --no-fund --loglevel=error)

echo "ci-deps.sh: chromium $(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}'), python3-oauthlib $(/usr/bin/python3 -c 'import oauthlib; print(oauthlib.__version__)'), node $(node --version)"
