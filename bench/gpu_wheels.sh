#!/usr/bin/env bash
# Wheels the lent GPU machine lacks for `bench/run.py --device cuda` (its image has torch, transformers,
# accelerate, safetensors and huggingface-hub, but no diffusers or pydantic, and it cannot reach PyPI).
# Run here, in the repository root; then see "Running the GPU table on a lent machine" in bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
exclude="$(git rev-parse --git-dir)/info/exclude"
mkdir -p "$(dirname "$exclude")"
grep -qx '/.whl/' "$exclude" 2>/dev/null || echo '/.whl/' >> "$exclude"
rm -rf .whl && mkdir -p .whl
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
  -d .whl diffusers==0.42.1 peft==0.21.2 pydantic==2.14.3 pydantic-core==2.50.4 annotated-types==0.7.0 \
  typing-inspection==0.4.4 importlib-metadata==8.7.0 typing-extensions==4.16.0  # pydantic 2.14 needs typing-extensions >= 4.16
ls -l .whl
