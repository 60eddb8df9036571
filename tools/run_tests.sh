#!/usr/bin/env bash
# Install the project with its test extra and run the test suite (CPU only).
set -euo pipefail
cd "$(dirname "$0")/.."
# The CPU build of torch comes from the local wheel cache; installing it first
# keeps pip from resolving a CUDA build for the pinned stack.
python -m pip install -q torch==2.13.0
python -m pip install -q -e '.[tests]'
# timm for the config audit of the timm members, without its torchvision
# requirement: no torchvision on PyPI fits the CPU torch (setup.py, the 'timm'
# extra); tests/configs/conftest.py gives timm a stand-in instead.
python -m pip install -q --no-deps timm==1.0.31
# Two workers for the two cores: much of the suite is single-threaded
# (tool starts, decoding, bookkeeping). Each test file runs whole in one
# worker, in order, its module fixtures built once.
python -m pytest tests -q -n 2 --dist loadfile "$@"
