#!/usr/bin/env python3
"""Build the semantic-tokenizer fixture for @mmtok/audio (committed with its outputs; not run in CI).

A tiny random-weight (seeded) HuBERT-like encoder: HuBERT's seven-layer conv feature extractor
(kernels 10,3,3,3,3,2,2, strides 5,2,2,2,2,2,2: hop 320, receptive field 400 samples at 16 kHz,
so T samples give floor((T - 400) / 320) + 1 frames) with 16 channels, a LayerNorm + Linear feature
projection to 32 dims and one transformer layer, exported in the Transformers.js layout
(config.json, preprocessor_config.json, onnx/model.onnx; `input_values` float32 [B, T] →
`last_hidden_state` float32 [B, T', 32]).

Reference preprocessing is Wav2Vec2FeatureExtractor's do_normalize written in numpy:
(x - mean) / sqrt(var + 1e-7) over the clip (float64, then float32). The clips are 16-bit WAVs read
as int16 / 32768. Reference codes are numpy's nearest row of a fixed seeded 24-code codebook.

Needs Debian's python3-torch (1.13), python3-onnx, python3-numpy and espeak-ng + sox:
    /usr/bin/python3 packages/audio/fixtures-src/make_semantic_models.py
Writes packages/audio/test/fixtures/semantic/.
"""
import os
import subprocess
import sys
import tempfile
import wave

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "scripts", "fixtures"))
from onnx_fixture_common import f32_b64, write_json  # noqa: E402
from semantic_common import EncoderLayer, export_transformers_js, nearest_codes, write_vq_file  # noqa: E402

OUT = os.path.join(HERE, "..", "test", "fixtures", "semantic")
SEED = 2718
SR = 16000
KERNELS = [10, 3, 3, 3, 3, 2, 2]
STRIDES = [5, 2, 2, 2, 2, 2, 2]
CONV, DIM, CODES = 16, 32, 24
# A clip that is a whole number of hops and one that is not (its tail shorter than a hop is unused).
CLIPS = [("speech.wav", "The quick brown fox.", 12800), ("speech-odd.wav", "Units of sound.", 11111)]


class HubertLike(nn.Module):
    def __init__(self):
        super().__init__()
        layers, cin = [], 1
        for i, (k, s) in enumerate(zip(KERNELS, STRIDES)):
            layers.append(nn.Conv1d(cin, CONV, k, stride=s, bias=False))
            if i == 0:
                layers.append(nn.GroupNorm(CONV, CONV))  # HuBERT base's feat_extract_norm "group"
            layers.append(nn.GELU())
            cin = CONV
        self.conv = nn.Sequential(*layers)
        self.norm = nn.LayerNorm(CONV)
        self.project = nn.Linear(CONV, DIM)
        self.layer = EncoderLayer(DIM, 2, 64)

    def forward(self, input_values):
        x = self.conv(input_values.unsqueeze(1)).transpose(1, 2)  # [B, T', C]
        return self.layer(self.project(self.norm(x)))


def make_clip(text, n):
    with tempfile.TemporaryDirectory() as tmp:
        raw, res = os.path.join(tmp, "raw.wav"), os.path.join(tmp, "res.wav")
        subprocess.run(["espeak-ng", "-v", "en", "-w", raw, text], check=True)
        subprocess.run(["sox", raw, "-r", str(SR), "-c", "1", "-b", "16", res], check=True)
        with wave.open(res, "rb") as w:
            x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    return np.pad(x, (0, max(0, n - len(x))))[:n]


def main():
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    os.makedirs(OUT, exist_ok=True)
    model = HubertLike().eval()
    config = {
        "model_type": "hubert",
        "architectures": ["HubertModel"],
        "hidden_size": DIM,
        "num_hidden_layers": 1,
        "num_attention_heads": 2,
        "intermediate_size": 64,
        "conv_dim": [CONV] * len(KERNELS),
        "conv_kernel": KERNELS,
        "conv_stride": STRIDES,
        "feat_extract_norm": "group",
    }
    preprocessor = {
        "feature_extractor_type": "Wav2Vec2FeatureExtractor",
        "feature_size": 1,
        "sampling_rate": SR,
        "padding_value": 0.0,
        "do_normalize": True,
        "return_attention_mask": False,
    }
    example = torch.zeros(1, 3200)
    export_transformers_js(
        model, example, "input_values", os.path.join(OUT, "hubert-like"), config, preprocessor,
        {0: "batch_size", 1: "sequence_length"},
    )
    codebook = rng.standard_normal((CODES, DIM)).astype(np.float32)
    write_vq_file(os.path.join(OUT, "codebook.safetensors"), codebook)
    clips = []
    for name, text, n in CLIPS:
        pcm = make_clip(text, n)
        with wave.open(os.path.join(OUT, name), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(SR)
            w.writeframes(pcm.astype("<i2").tobytes())
        x = pcm.astype(np.float64) / 32768
        values = ((x - x.mean()) / np.sqrt(x.var() + 1e-7)).astype(np.float32)
        with torch.no_grad():
            feats = model(torch.from_numpy(values)[None])[0]
        frames = (n - 400) // 320 + 1
        assert feats.shape == (frames, DIM), feats.shape
        codes = nearest_codes(feats.numpy(), codebook)
        clips.append({
            "file": name,
            "samples": n,
            "frames": frames,
            "inputValues": f32_b64(torch.from_numpy(values)),
            "features": f32_b64(feats),
            "codes": codes.tolist(),
        })
    write_json(os.path.join(OUT, "reference.json"), {
        "generator": "packages/audio/fixtures-src/make_semantic_models.py",
        "seed": SEED,
        "dim": DIM,
        "codebook": "codebook.safetensors",
        "clips": clips,
    })


if __name__ == "__main__":
    main()
