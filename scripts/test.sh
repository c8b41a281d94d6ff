#!/usr/bin/env bash
# Set up (first time) and run the whole test suite, offline. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
export HF_HUB_OFFLINE=1
exec .venv/bin/python -m pytest "$@"
