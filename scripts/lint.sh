#!/usr/bin/env bash
# Style and types: ruff (lint + format check) over the tree, mypy over studio/ against its baseline.
# Needs the test setup (bash scripts/setup.sh --test installs ruff and mypy).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python scripts/typecheck.py
