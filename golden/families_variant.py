#!/usr/bin/env python3
"""Adds one variant of one families.py model without regenerating the others (their bytes stay as committed):
`python golden/families_variant.py MODEL VARIANT`, e.g. `distilbert-seqcls h5`. The model is rebuilt from its
seed with families.build and must equal the committed safetensors/ variant; the new variant is written by
families.save_variant (an .h5 from the TF class, read back into PyTorch and compared) and its manifest fixture
entry added. The variant must be listed in families.SPECS, so a full regeneration makes it too.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections import OrderedDict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import families as F  # noqa: E402
import generate as g  # noqa: E402

import torch  # noqa: E402


def add_variant(manifest: OrderedDict, name: str, variant: str) -> None:
    spec = F.SPECS[name]
    assert variant in spec["variants"] and variant != "safetensors", (name, variant, spec["variants"])
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    model = F.build(name, spec)
    pt_dir = F.MODELS / name / "safetensors"
    committed = type(model).from_pretrained(pt_dir, torch_dtype=torch.float32)
    g.assert_same_state(g.reference_state(model), committed.state_dict(), f"{name}: rebuilt vs committed")
    out = F.MODELS / name / variant
    if out.exists():
        shutil.rmtree(out)
    extra = F.save_variant(name, spec, model, variant, out, pt_dir)
    rel = out.relative_to(F.ROOT).as_posix()
    manifest["fixtures"][rel] = g.fixture_entry(name, variant, out, extra)
    # keep the manifest's fixture order: the model's variants in SPECS order
    keys = list(manifest["fixtures"])
    others = [k for k in keys if not k.startswith(f"models/{name}/")]
    first = next(i for i, k in enumerate(keys) if k.startswith(f"models/{name}/"))
    mine = [f"models/{name}/{v}" for v in spec["variants"] if f"models/{name}/{v}" in manifest["fixtures"]]
    ordered = others[:first] + mine + others[first:]
    manifest["fixtures"] = OrderedDict((k, manifest["fixtures"][k]) for k in ordered)
    print(f"  {rel}: {len(manifest['fixtures'][rel]['tensors'])} tensors", file=sys.stderr)


if __name__ == "__main__":
    path = F.ROOT / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=OrderedDict)
    add_variant(manifest, sys.argv[1], sys.argv[2])
    g.write_json(path, manifest)
    total = sum(p.stat().st_size for p in F.ROOT.rglob("*") if p.is_file())
    print(f"golden/ is {total / 1e6:.2f} MB", file=sys.stderr)
    assert total < 16_000_000
