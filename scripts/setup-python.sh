#!/usr/bin/env bash
# Installs the Python tools the wire tests drive (AWS CLI v2 is not on PyPI;
# awscli v1 speaks the same wire protocol for the operations we use), into
# .venv/ beside the project. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install --quiet --disable-pip-version-check -r scripts/requirements.txt
