#!/usr/bin/env bash
# `make bench` (never run by CI): release build, the bert-base-size benchmark checkpoints (bench/make_models.py,
# cached outside git), then bench/bench.py, which runs every comparison in alternation and writes BENCHMARKS.md.
#
#   BENCH_ROUNDS=5        rounds per comparison (medians over rounds; at least 5)
#   BENCH_ONLY=…          a comma-separated subset of conversion,open,encoder,tokenizer (writes only those tables)
#   BERTWEIGHTS_VENV      the pinned virtualenv (default ~/.cache/bertweights/venv, shared with `make goldens`)
#   BERTWEIGHTS_BENCH     cache for the checkpoints and scratch outputs (default ~/.cache/bertweights/bench)
#   BENCH_BASELINE=DIR    release binaries of an earlier commit, timed as one more side ("before" columns)
#   BENCH_BASELINE_LABEL  the heading of those columns
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
swift="${SWIFT:-swift}"
scratch="${BENCH_SCRATCH:-.build-bench}"
venv="${BERTWEIGHTS_VENV:-$HOME/.cache/bertweights/venv}"
cache="${BERTWEIGHTS_BENCH:-$HOME/.cache/bertweights/bench}"
python="$venv/bin/python"

./scripts/setup.sh

# The Python side runs with the versions bench/requirements.txt pins; install them only when they differ.
pins_ok() {
  [ -x "$python" ] && "$python" - "$root/bench/requirements.txt" <<'PY'
import sys
from importlib.metadata import version, PackageNotFoundError
for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if not line:
        continue
    name, pin = line.split("==")
    try:
        if version(name) != pin:
            sys.exit(1)
    except PackageNotFoundError:
        sys.exit(1)
PY
}
if ! pins_ok; then
  echo "bench: installing bench/requirements.txt into $venv" >&2
  [ -x "$python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check \
    -r "$root/bench/requirements.txt"
fi
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TF_USE_LEGACY_KERAS=1 TF_CPP_MIN_LOG_LEVEL=2 CUDA_VISIBLE_DEVICES=""

"$swift" build -c release --scratch-path "$scratch" --product bert-convert >&2
"$swift" build -c release --scratch-path "$scratch" --product bert-verify >&2
# .h5 sources are read by libhdf5 in this sandboxed helper, found beside the tools (docs/SECURITY.md).
"$swift" build -c release --scratch-path "$scratch" --product bert-hdf5-reader >&2
bin="$("$swift" build -c release --scratch-path "$scratch" --show-bin-path)"

models="$("$python" "$root/bench/make_models.py" "$cache/models")"
minilm="$(./scripts/minilm.sh)"

exec "$python" "$root/bench/bench.py" --bin "$bin" --models "$models" --minilm "$minilm" --work "$cache/work" \
  --python "$python" --rounds "${BENCH_ROUNDS:-5}" --only "${BENCH_ONLY:-conversion,open,encoder,tokenizer}" \
  --out "${BENCH_OUT:-$root/BENCHMARKS.md}" ${BENCH_BASELINE:+--baseline "$BENCH_BASELINE"} \
  ${BENCH_BASELINE_LABEL:+--baseline-label "$BENCH_BASELINE_LABEL"}
