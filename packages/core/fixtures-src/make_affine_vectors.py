"""Reference vectors for the `affine` kernel: torch.nn.functional.linear in float64 on float32
inputs and weights (the layout torch.nn.Linear uses: weight [out, in]).

    /usr/bin/python3 packages/core/fixtures-src/make_affine_vectors.py

writes packages/core/test/fixtures/affine.json.
"""
import json
import os

import torch

torch.manual_seed(0)
cases = []
# Shapes of the transforms the tokenizers use (patch, frame, tubelet widths) and awkward ones.
for rows, in_dim, out_dim, magnitude in [
    (37, 48, 8, 1.0),
    (9, 8, 48, 1.0),
    (4, 256, 16, 1.0),
    (1, 1, 1, 1.0),
    (13, 7, 3, 1e4),
    (6, 3, 5, 1e-4),
]:
    x = (torch.randn(rows, in_dim) * magnitude).float()
    w = (torch.randn(out_dim, in_dim) / in_dim**0.5).float()
    b = torch.randn(out_dim).float()
    y = torch.nn.functional.linear(x.double(), w.double(), b.double())
    # Per-output bound on float32 rounding: sum of |x|·|w| plus |b|.
    scale = torch.nn.functional.linear(x.double().abs(), w.double().abs(), b.double().abs())
    cases.append({
        "rows": rows, "inDim": in_dim, "outDim": out_dim,
        "x": x.flatten().tolist(), "weight": w.flatten().tolist(), "bias": b.tolist(),
        "expected": y.flatten().tolist(), "scale": scale.flatten().tolist(),
    })

out = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "affine.json")
with open(out + ".tmp", "w") as f:
    json.dump({"source": "torch.nn.functional.linear, float64, torch " + torch.__version__, "cases": cases}, f)
os.replace(out + ".tmp", out)
print(f"wrote {len(cases)} cases to {os.path.normpath(out)}")
