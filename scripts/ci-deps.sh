#!/usr/bin/env bash
# ci-deps.sh installs what the browser (e2e/browser), interop (e2e/interop)
# and recipe (e2e/recipes) suites need on a bare Debian machine, as root.
# Idempotent: packages already present are not fetched again, and apt-get
# update runs at most once per call.
#
#   chromium          headless browser driven by chromedp (/usr/bin/chromium)
#   fonts-noto-cjk    Japanese glyphs for the pages' failure screenshots
#   python3-oauthlib  Debian's oauthlib, used with /usr/bin/python3 (mixi OAuth 1.0)
#   python3-requests-oauthlib  the mixi recipe (examples/mixi-python)
#   php-cli           the Assist recipe (examples/assist-php)
#   curl              seed replays; the compose and CI recipes' scripts
#   nodejs, npm       the oauth-1.0a signer (npm ci in e2e/interop/node) and the
#                     Node recipes (npm ci in examples/mixi-node, examples/kii-js)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

packages=(chromium fonts-noto-cjk python3-oauthlib python3-requests-oauthlib php-cli curl ca-certificates)
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
# The Node recipes, each with its own committed lock.
for recipe in mixi-node kii-js; do
	(cd "$here/examples/$recipe" && npm ci --no-audit --no-fund --loglevel=error)
done

echo "ci-deps.sh: chromium $(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}'), python3-oauthlib $(/usr/bin/python3 -c 'import oauthlib; print(oauthlib.__version__)'), requests-oauthlib $(/usr/bin/python3 -c 'import requests_oauthlib; print(requests_oauthlib.__version__)'), $(php -r 'echo "php ", PHP_VERSION;'), node $(node --version)"
