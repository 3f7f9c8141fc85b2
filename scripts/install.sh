#!/usr/bin/env bash
# Installs the assistant into .venv. torch is pinned and installed first, so that pip takes the
# CPU wheel instead of pulling a CUDA build through sentence-transformers.
set -euo pipefail
cd "$(dirname "$0")/.."
extra="${1:-}"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q torch==2.13.0
.venv/bin/pip install -q -e ".${extra:+[$extra]}"
