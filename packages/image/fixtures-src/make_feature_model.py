#!/usr/bin/env python3
"""Build the semantic (feature-model) fixture for @mmtok/image (committed with its outputs; not run in CI).

A tiny random-weight (seeded) ViT-like encoder: an 8×8 patch embedding (Conv2d stride 8) to 32
dims, a CLS token, learned position embeddings, one transformer layer and a final LayerNorm,
exported in the Transformers.js layout (config.json, preprocessor_config.json, onnx/model.onnx;
`pixel_values` float32 [B, 3, 32, 32] → `last_hidden_state` float32 [B, 1 + 16, 32], CLS first).

Reference preprocessing is ViTImageProcessor's, done with PIL and numpy: resize to 32×32 with PIL's
BILINEAR (resample 2), rescale by 1/255, normalize with mean 0.5 / std 0.5, channels first. The
reference codes are numpy's nearest row of a fixed seeded 24-code codebook for each patch feature
(the CLS row dropped), row-major over the 4×4 patch grid. The reference also holds PIL's resize of
scene.png with each resample filter (nearest, lanczos, bilinear, bicubic) to a smaller and a larger size,
and scene.png's pixel values under CLIP- and DINOv2-style processors (shortest edge, bicubic, centre crop).

Needs Debian's python3-torch (1.13), python3-onnx, python3-numpy and python3-pil:
    /usr/bin/python3 packages/image/fixtures-src/make_feature_model.py
Writes packages/image/test/fixtures/semantic/.
"""
import base64
import os
import sys

import numpy as np
import torch
from PIL import Image
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "scripts", "fixtures"))
from onnx_fixture_common import f32_b64, write_json  # noqa: E402
from semantic_common import EncoderLayer, export_transformers_js, nearest_codes, write_vq_file  # noqa: E402

OUT = os.path.join(HERE, "..", "test", "fixtures", "semantic")
SEED = 1618
SIZE, PATCH, DIM, CODES = 32, 8, 32, 24
MEAN, STD = [0.5, 0.5, 0.5], [0.5, 0.5, 0.5]
# One image the processor must shrink (and stretch: aspect not kept) and one already 32×32.
IMAGES = [("scene.png", 57, 43), ("square.png", 32, 32)]


class VitLike(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Conv2d(3, DIM, PATCH, stride=PATCH)
        self.cls = nn.Parameter(torch.randn(1, 1, DIM) * 0.5)
        self.pos = nn.Parameter(torch.randn(1, 1 + (SIZE // PATCH) ** 2, DIM) * 0.5)
        self.layer = EncoderLayer(DIM, 2, 64)
        self.norm = nn.LayerNorm(DIM)

    def forward(self, pixel_values):
        x = self.embed(pixel_values).flatten(2).transpose(1, 2)  # [B, N, D], row-major patches
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1) + self.pos
        return self.norm(self.layer(x))


def make_image(w, h, rng):
    """Smooth colour ramps plus noise: resizing must matter."""
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([x / w * 255, y / h * 255, (x + y) / (w + h) * 255], axis=-1)
    return np.clip(base + rng.normal(0, 40, base.shape), 0, 255).astype(np.uint8)


# CLIPImageProcessor- and BitImageProcessor (DINOv2)-style configs: shorter side to shortest_edge
# (the longer to int(s * long / short)), bicubic, centre crop, their own mean/std.
SHORTEST_EDGE_PROCESSORS = [
    {"image_processor_type": "CLIPImageProcessor", "do_resize": True, "size": {"shortest_edge": 40}, "resample": 3,
     "do_center_crop": True, "crop_size": {"height": 32, "width": 32}, "do_rescale": True, "rescale_factor": 1 / 255,
     "do_normalize": True, "image_mean": [0.48145466, 0.4578275, 0.40821073],
     "image_std": [0.26862954, 0.26130258, 0.27577711]},
    {"image_processor_type": "BitImageProcessor", "do_resize": True, "size": {"shortest_edge": 56}, "resample": 3,
     "do_center_crop": True, "crop_size": {"height": 48, "width": 40}, "do_rescale": True, "rescale_factor": 1 / 255,
     "do_normalize": True, "image_mean": [0.485, 0.456, 0.406], "image_std": [0.229, 0.224, 0.225]},
]


def shortest_edge_reference(image, p):
    """transformers' steps written out with PIL and numpy: resize, centre crop, rescale, normalize."""
    w, h = image.size
    s = p["size"]["shortest_edge"]
    size = (s, int(s * h / w)) if w <= h else (int(s * w / h), s)
    x = np.asarray(image.resize(size, p["resample"]), dtype=np.float64)
    ch, cw = p["crop_size"]["height"], p["crop_size"]["width"]
    top, left = (x.shape[0] - ch) // 2, (x.shape[1] - cw) // 2
    x = x[top:top + ch, left:left + cw]
    x = (x * p["rescale_factor"] - np.array(p["image_mean"])) / np.array(p["image_std"])
    values = torch.from_numpy(x.transpose(2, 0, 1).astype(np.float32))
    return {"preprocessor": p, "height": ch, "width": cw, "pixelValues": f32_b64(values)}


def main():
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    os.makedirs(OUT, exist_ok=True)
    model = VitLike().eval()
    config = {
        "model_type": "vit",
        "architectures": ["ViTModel"],
        "image_size": SIZE,
        "patch_size": PATCH,
        "num_channels": 3,
        "hidden_size": DIM,
        "num_hidden_layers": 1,
        "num_attention_heads": 2,
        "intermediate_size": 64,
    }
    preprocessor = {
        "image_processor_type": "ViTImageProcessor",
        "do_resize": True,
        "size": {"height": SIZE, "width": SIZE},
        "resample": 2,
        "do_rescale": True,
        "rescale_factor": 1 / 255,
        "do_normalize": True,
        "image_mean": MEAN,
        "image_std": STD,
    }
    export_transformers_js(
        model, torch.zeros(1, 3, SIZE, SIZE), "pixel_values", os.path.join(OUT, "vit-like"), config,
        preprocessor, {0: "batch_size"},
    )
    codebook = rng.standard_normal((CODES, DIM)).astype(np.float32)
    write_vq_file(os.path.join(OUT, "codebook.safetensors"), codebook)
    images = []
    for name, w, h in IMAGES:
        pixels = make_image(w, h, rng)
        Image.fromarray(pixels).save(os.path.join(OUT, name))
        resized = np.asarray(Image.fromarray(pixels).resize((SIZE, SIZE), Image.BILINEAR), dtype=np.float64)
        values = ((resized / 255 - np.array(MEAN)) / np.array(STD)).transpose(2, 0, 1).astype(np.float32)
        with torch.no_grad():
            feats = model(torch.from_numpy(values)[None])[0]
        codes = nearest_codes(feats[1:].numpy(), codebook)
        images.append({
            "file": name,
            "width": w,
            "height": h,
            "pixelValues": f32_b64(torch.from_numpy(values)),
            "features": f32_b64(feats),
            "codes": codes.tolist(),
        })
    # PIL's resize of scene.png with every resample filter, shrinking and enlarging (uint8 RGB, base64).
    scene = Image.open(os.path.join(OUT, "scene.png"))
    resizes = [
        {"resample": r, "width": w, "height": h,
         "pixels": base64.b64encode(np.asarray(scene.resize((w, h), r), dtype=np.uint8).tobytes()).decode("ascii")}
        for r in (0, 1, 2, 3) for (w, h) in ((24, 18), (64, 48))
    ]
    processors = [shortest_edge_reference(scene, p) for p in SHORTEST_EDGE_PROCESSORS]
    write_json(os.path.join(OUT, "reference.json"), {
        "resizes": resizes,
        "processors": processors,
        "generator": "packages/image/fixtures-src/make_feature_model.py",
        "seed": SEED,
        "dim": DIM,
        "grid": [SIZE // PATCH, SIZE // PATCH],
        "codebook": "codebook.safetensors",
        "images": images,
    })


if __name__ == "__main__":
    main()
