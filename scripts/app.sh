#!/usr/bin/env bash
# Set up (first time) and start Poster Studio. Extra arguments go to app.py, e.g. --profile tiny.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python app.py "$@"
