#!/usr/bin/env bash
# Create .venv (once) and install the pinned requirements. Idempotent: a second run takes seconds.
# Usage: scripts/setup.sh [--test]
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
.venv/bin/python -m pip install --quiet -r requirements.txt
if [ "${1:-}" = "--test" ]; then
  .venv/bin/python -m pip install --quiet -r requirements-test.txt
  # The browser test drives Debian's Chromium, and its screenshots need CJK fonts to show Chinese.
  if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
      echo "Installing Chromium and CJK fonts for the browser test…"
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk fonts-noto-color-emoji >/dev/null) \
        || echo "Chromium could not be installed; the browser test will be skipped."
    else
      echo "Chromium is not installed (apt-get install chromium fonts-noto-cjk fonts-noto-color-emoji); the browser test will be skipped."
    fi
  fi
fi
