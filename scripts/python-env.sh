#!/usr/bin/env bash
# Prints the path of a Python that can import safetensors and numpy (for the tests' cross-checks), creating a
# small virtualenv outside the repository when needed. Prints plain `python3` when that cannot be done.
set -uo pipefail
venv="${BERTWEIGHTS_CACHE:-$HOME/.cache/bertweights}/check-venv"
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import safetensors, numpy" 2>/dev/null; then
  echo "$venv/bin/python"; exit 0
fi
if python3 -m venv "$venv" >/dev/null 2>&1 \
  && "$venv/bin/pip" install -q --disable-pip-version-check safetensors==0.8.0 numpy==2.4.6 >&2; then
  echo "$venv/bin/python"
else
  echo "setup: could not create the Python check environment; cross-checks will report NOT RUN" >&2
  echo python3
fi
