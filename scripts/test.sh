#!/usr/bin/env bash
# Installs everything the tests need (Python packages, Debian's Chromium and axe-core for the browser tests)
# and runs the test suite, then the eval gate on the project's question set.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh test
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
fi
# axe-core for the browser tests' accessibility checks (npm; into .cache/npm, ignored by git)
if [ ! -f .cache/npm/node_modules/axe-core/axe.min.js ] && command -v npm >/dev/null 2>&1; then
  npm install --prefix .cache/npm --no-audit --no-fund --silent axe-core@4 >/dev/null
fi
export HF_HUB_OFFLINE=1 ANONYMIZED_TELEMETRY=False
.venv/bin/python -m pytest -q "$@"
