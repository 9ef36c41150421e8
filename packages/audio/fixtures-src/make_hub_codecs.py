#!/usr/bin/env python3
"""Build the Hub-layout codec fixtures for @mmtok/audio (committed with their outputs; not run in CI).

Four TINY random-weight (seeded) conv codecs with their quantizers inside the graphs, each written as
a Hugging Face model repo in the layout Transformers.js reads from the public `onnx-community/*-ONNX`
exports: config.json (the model_type's own fields), preprocessor_config.json, onnx/encoder_model.onnx
(`input_values` float32 [B, C, S] -> `audio_codes` int64 [B, Q, F]) and onnx/decoder_model.onnx
(`audio_codes` -> `audio_values` float32 [B, C, S]):

  mimi-like     model_type mimi: 24 kHz mono, upsampling_ratios [2, 4] and the extra stride-2
                downsample (hop 16), RVQ num_quantizers 4 x codebook_size 32
  dac-like      model_type dac: 16 kHz mono, downsampling_ratios [2, 4] (hop_length 8), RVQ
                n_codebooks 3 x 32; also onnx/*_fp16.onnx (float16 weights, float32 inputs and
                outputs, as converters with keep_io_types write them)
  snac-like     model_type snac: 24 kHz mono, encoder_rates [2, 2] (hop 4), vq_strides [4, 2, 1],
                attn_window_size 8: three scales `audio_codes.0/1/2` [B, F_s] at frame rates 1:2:4;
                input padded to hop * lcm(vq_strides[0], attn_window_size) = 32 samples (snac.py)
  encodec-like  model_type encodec: 32 kHz STEREO, upsampling_ratios [2, 3] (hop 6),
                target_bandwidths [120, 240] -> num_quantizers 4 x codebook_size 16

PyTorch runs each on a fixed deterministic two-tone signal (1,001 samples per channel: not a whole
number of frames) zero-padded on the right to the model's padding multiple; its tokens, its
reconstruction trimmed to the source length, and the reconstruction from the first 2 levels, go to
test/fixtures/hub/<name>.reference.json. Every nearest-code search is checked for a clear margin, so
onnxruntime's float order cannot flip a token.

Needs Debian's python3-torch (1.13), python3-onnx, python3-numpy:
    /usr/bin/python3 packages/audio/fixtures-src/make_hub_codecs.py
Writes packages/audio/test/fixtures/hub/.
"""
import copy
import json
import math
import os
import shutil
import sys

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "scripts", "fixtures"))
from onnx_fixture_common import f32_b64, write_json  # noqa: E402

OUT = os.path.join(HERE, "..", "test", "fixtures", "hub")
OPSET = 17
SEED = 2026
SAMPLES = 1001
HIDDEN = 8
LEVEL_SELECTION = 2
MARGIN = 1e-4  # smallest accepted gap between the nearest and second-nearest squared distance


class ConvEncoder(nn.Module):
    """[B, C, S] -> [B, D, S / hop]: kernel 2*hop, padding hop/2, so each frame sees its neighbours."""

    def __init__(self, channels, hop, dim):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv1d(channels, HIDDEN, 2 * hop, stride=hop, padding=hop // 2),
            nn.ELU(),
            nn.Conv1d(HIDDEN, dim, 3, padding=1),
        )

    def calibrate(self, x):
        """Latents of mean 0 and std 1 per channel on the reference input (random weights alone
        give latents too narrow for the codebooks to be used)."""
        z = self(x)
        mean, sd = z.mean(dim=(0, 2)), z.std(dim=(0, 2))
        last = self.net[-1]
        last.weight.mul_((1 / sd).view(-1, 1, 1))
        last.bias.copy_((last.bias - mean) / sd)

    def forward(self, x):
        return self.net(x)


class ConvDecoder(nn.Module):
    """[B, D, F] -> [B, C, F * hop]."""

    def __init__(self, channels, hop, dim):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv1d(dim, HIDDEN, 3, padding=1),
            nn.ELU(),
            nn.ConvTranspose1d(HIDDEN, channels, 2 * hop, stride=hop, padding=hop // 2),
            nn.Tanh(),
        )

    def forward(self, z):
        return self.net(z)


def nearest(rows, codebook, margins=None):
    """rows [N, D], codebook [K, D] -> argmin of the squared distance, written with ops that export
    to ONNX (MatMul, ReduceSum, ArgMin). `margins` collects the gap to the runner-up."""
    d = (rows * rows).sum(-1, keepdim=True) - 2 * rows @ codebook.t() + (codebook * codebook).sum(-1)
    if margins is not None:
        two = torch.topk(d, 2, dim=-1, largest=False).values
        margins.append((two[:, 1] - two[:, 0]).min().item())
    return d.argmin(dim=-1)


def rows_of(z):
    b, d, t = z.shape
    return z.permute(0, 2, 1).reshape(-1, d)


class RvqEncoder(nn.Module):
    """input_values [B, C, S] -> audio_codes int64 [B, Q, F] (Mimi / DAC / EnCodec style)."""

    def __init__(self, encoder, codebooks):
        super().__init__()
        self.encoder = encoder
        self.register_buffer("codebooks", codebooks)  # [Q, K, D]
        self.margins = None

    def forward(self, input_values):
        z = self.encoder(input_values)
        b, _, t = z.shape
        residual, out = rows_of(z), []
        for l in range(self.codebooks.shape[0]):
            cb = self.codebooks[l]
            idx = nearest(residual, cb, self.margins)
            residual = residual - cb[idx]
            out.append(idx)
        return torch.stack(out, dim=-1).reshape(b, t, -1).permute(0, 2, 1)


class RvqDecoder(nn.Module):
    """audio_codes [B, Q', F] (any Q' up to Q: the first Q' levels) -> audio_values [B, C, F * hop]."""

    def __init__(self, decoder, codebooks):
        super().__init__()
        self.decoder = decoder
        q, k, d = codebooks.shape
        self.k = k
        self.register_buffer("flat", codebooks.reshape(q * k, d))

    def forward(self, audio_codes):
        offsets = (torch.arange(audio_codes.shape[1]) * self.k).view(1, -1, 1)
        emb = nn.functional.embedding(audio_codes + offsets, self.flat)  # [B, Q', F, D]
        return self.decoder(emb.sum(dim=1).permute(0, 2, 1))


def hold(q, s):
    """[B, F/s, D] codes' vectors -> [B, D, F], each held for s frames (repeat_interleave, written
    with ops whose ONNX export keeps its shapes)."""
    b, f, d = q.shape
    return q.unsqueeze(2).expand(b, f, s, d).reshape(b, f * s, d).permute(0, 2, 1)


class SnacEncoder(nn.Module):
    """input_values [B, 1, S] -> audio_codes.0/1/2 int64 [B, F / s] for vq_strides s (SNAC's
    ResidualVectorQuantize: each level quantizes the stride-s average-pooled residual, then
    subtracts its codes held for s frames)."""

    def __init__(self, encoder, codebooks, strides):
        super().__init__()
        self.encoder, self.strides = encoder, strides
        self.register_buffer("codebooks", codebooks)
        self.margins = None

    def forward(self, input_values):
        residual = self.encoder(input_values)
        b = residual.shape[0]
        out = []
        for l, s in enumerate(self.strides):
            cb = self.codebooks[l]
            pooled = nn.functional.avg_pool1d(residual, s, s) if s > 1 else residual
            idx = nearest(rows_of(pooled), cb, self.margins).reshape(b, -1)
            residual = residual - hold(cb[idx], s)
            out.append(idx)
        return tuple(out)


class SnacDecoder(nn.Module):
    def __init__(self, decoder, codebooks, strides):
        super().__init__()
        self.decoder, self.strides = decoder, strides
        self.register_buffer("codebooks", codebooks)

    def forward(self, *codes):
        z = 0
        for l, (c, s) in enumerate(zip(codes, self.strides)):
            z = z + hold(self.codebooks[l][c], s)
        return self.decoder(z)


def pad(x, multiple):
    extra = -x.shape[-1] % multiple
    return nn.functional.pad(x, (0, extra)) if extra else x


def signal(channels, sample_rate):
    """Two tones per channel with a fade-in: deterministic, no randomness."""
    t = torch.arange(SAMPLES, dtype=torch.float64) / sample_rate
    rows = []
    for c in range(channels):
        f = 440.0 * (1 + 0.25 * c)
        x = 0.4 * torch.sin(2 * math.pi * f * t) + 0.2 * torch.sin(2 * math.pi * 2.7 * f * t + 0.3)
        rows.append(x * torch.clamp(t / 0.005, max=1.0))
    return torch.stack(rows).to(torch.float32).unsqueeze(0)  # [1, C, S]


def export(model, args, path, inputs, outputs, axes):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    # No constant folding: the graph keeps the codebooks and weights as initializers, so the fp16
    # variant rounds only them (exactly as the reference's rounded copy does).
    torch.onnx.export(model, args, path, opset_version=OPSET, input_names=inputs, output_names=outputs,
                      dynamic_axes=axes, do_constant_folding=False)
    onnx.checker.check_model(onnx.load(path))
    size = os.path.getsize(path)
    assert size < 200_000, f"{path} is {size} bytes"


def to_fp16(src, dst):
    """float32 initializers -> float16 ones, each Cast back to float32 where used; inputs and outputs
    stay float32 (as keep_io_types converters write them)."""
    m = onnx.load(src)
    g = m.graph
    casts, keep = [], []
    for init in g.initializer:
        if init.data_type != TensorProto.FLOAT:
            keep.append(init)
            continue
        arr = numpy_helper.to_array(init).astype(np.float16)
        keep.append(numpy_helper.from_array(arr, init.name + "_fp16"))
        casts.append(helper.make_node("Cast", [init.name + "_fp16"], [init.name], to=TensorProto.FLOAT,
                                      name="cast_" + init.name))
    del g.initializer[:]
    g.initializer.extend(keep)
    nodes = casts + list(g.node)
    del g.node[:]
    g.node.extend(nodes)
    onnx.checker.check_model(m)
    onnx.save(m, dst)


def rounded(model):
    """A copy whose float parameters and buffers are rounded to float16 (computed in float32)."""
    m = copy.deepcopy(model)
    with torch.no_grad():
        for t in list(m.parameters()) + list(m.buffers()):
            if t.dtype == torch.float32:
                t.copy_(t.half().float())
    return m


class Tie(Exception):
    pass


def check_margins(enc, x, what):
    enc.margins = []
    codes = enc(x)
    low = min(enc.margins)
    enc.margins = None
    if low <= MARGIN:
        raise Tie(f"{what}: a nearest-code search is too close to a tie ({low})")
    return codes


def seeded(build, *args, **kwargs):
    """build(...) with the first seed from SEED on whose searches all have a clear margin."""
    for seed in range(SEED, SEED + 50):
        torch.manual_seed(seed)
        try:
            ref = build(*args, **kwargs)
            ref["seed"] = seed
            return ref
        except Tie as e:
            print(f"seed {seed}: {e}; next seed")
    raise SystemExit("no seed without near-ties")


def write_repo(name, config, preprocessor):
    repo = os.path.join(OUT, name)
    if os.path.isdir(repo):
        shutil.rmtree(repo)
    os.makedirs(os.path.join(repo, "onnx"))
    write_json(os.path.join(repo, "config.json"), config)
    write_json(os.path.join(repo, "preprocessor_config.json"), preprocessor)
    return repo


def rvq_codec(name, channels, sample_rate, hop, levels, codebook_size, dim, config, preprocessor, fp16=False):
    enc_conv = ConvEncoder(channels, hop, dim).eval()
    dec_conv = ConvDecoder(channels, hop, dim).eval()
    x = signal(channels, sample_rate)
    xp = pad(x, hop)
    enc_conv.calibrate(xp)
    codebooks = torch.stack([torch.randn(codebook_size, dim) * 0.7 ** l for l in range(levels)])
    enc, dec = RvqEncoder(enc_conv, codebooks).eval(), RvqDecoder(dec_conv, codebooks).eval()
    repo = write_repo(name, config, preprocessor)
    codes = check_margins(enc, xp, name)
    audio_axes = {0: "batch_size", 1: "num_channels", 2: "sequence_length"}
    codes_axes = {0: "batch_size", 1: "num_quantizers", 2: "num_frames"}
    variants = {"fp32": (enc, dec, "")}
    if fp16:
        variants["fp16"] = (rounded(enc), rounded(dec), "_fp16")
    ref = {"name": name, "channels": channels, "sampleRate": sample_rate, "samples": SAMPLES, "paddingMultiple": hop,
           "input": f32_b64(x), "dtypes": {}}
    for dtype, (e, d, suffix) in variants.items():
        enc_path = os.path.join(repo, "onnx", f"encoder_model{suffix}.onnx")
        dec_path = os.path.join(repo, "onnx", f"decoder_model{suffix}.onnx")
        c = check_margins(e, xp, f"{name} {dtype}")
        if dtype == "fp16":
            tmp_e, tmp_d = enc_path + ".fp32", dec_path + ".fp32"
            export(e, (xp,), tmp_e, ["input_values"], ["audio_codes"],
                   {"input_values": audio_axes, "audio_codes": codes_axes})
            export(d, (c,), tmp_d, ["audio_codes"], ["audio_values"],
                   {"audio_codes": codes_axes, "audio_values": audio_axes})
            to_fp16(tmp_e, enc_path)
            to_fp16(tmp_d, dec_path)
            os.remove(tmp_e)
            os.remove(tmp_d)
        else:
            export(e, (xp,), enc_path, ["input_values"], ["audio_codes"],
                   {"input_values": audio_axes, "audio_codes": codes_axes})
            export(d, (c,), dec_path, ["audio_codes"], ["audio_values"],
                   {"audio_codes": codes_axes, "audio_values": audio_axes})
        tokens = c[0]  # [Q, F]
        ref["dtypes"][dtype] = {
            "tokenShape": list(tokens.shape),
            "tokens": tokens.reshape(-1).tolist(),
            "distinctPerLevel": [len(set(r.tolist())) for r in tokens],
            "audio": f32_b64(d(c)[..., :SAMPLES]),
            "levelSelection": {"levels": LEVEL_SELECTION, "audio": f32_b64(d(c[:, :LEVEL_SELECTION])[..., :SAMPLES])},
        }
    assert torch.equal(codes, enc(xp))
    return ref


def snac_codec(name, sample_rate, rates, strides, attn_window, codebook_size, dim, config, preprocessor):
    hop = int(np.prod(rates))
    multiple = hop * math.lcm(strides[0], attn_window or 1)  # snac.py SNAC.preprocess
    enc_conv = ConvEncoder(1, hop, dim).eval()
    dec_conv = ConvDecoder(1, hop, dim).eval()
    x = signal(1, sample_rate)
    xp = pad(x, multiple)
    enc_conv.calibrate(xp)
    codebooks = torch.stack([torch.randn(codebook_size, dim) * 0.8 ** l for l in range(len(strides))])
    enc, dec = SnacEncoder(enc_conv, codebooks, strides).eval(), SnacDecoder(dec_conv, codebooks, strides).eval()
    repo = write_repo(name, config, preprocessor)
    codes = check_margins(enc, xp, name)
    names = [f"audio_codes.{i}" for i in range(len(strides))]
    audio_axes = {0: "batch_size", 1: "num_channels", 2: "sequence_length"}
    code_axes = {n: {0: "batch_size", 1: f"num_frames_{i}"} for i, n in enumerate(names)}
    export(enc, (xp,), os.path.join(repo, "onnx", "encoder_model.onnx"), ["input_values"], names,
           {"input_values": audio_axes, **code_axes})
    export(dec, codes, os.path.join(repo, "onnx", "decoder_model.onnx"), names, ["audio_values"],
           {**code_axes, "audio_values": audio_axes})
    frame_rate = sample_rate / hop
    return {
        "name": name, "channels": 1, "sampleRate": sample_rate, "samples": SAMPLES, "paddingMultiple": multiple,
        "input": f32_b64(x),
        "dtypes": {"fp32": {
            "scales": [{"levels": 1, "frames": c.shape[1], "frameRate": frame_rate / s} for c, s in zip(codes, strides)],
            "tokenShape": [1, sum(c.shape[1] for c in codes)],
            "tokens": torch.cat([c.reshape(-1) for c in codes]).tolist(),
            "distinctPerLevel": [len(set(c.reshape(-1).tolist())) for c in codes],
            "audio": f32_b64(dec(*codes)[..., :SAMPLES]),
        }},
    }


def main():
    torch.manual_seed(SEED)
    torch.use_deterministic_algorithms(True)
    os.makedirs(OUT, exist_ok=True)
    refs = []
    with torch.no_grad():
        refs.append(seeded(rvq_codec,
            "mimi-like", 1, 24000, 16, 4, 32, 8,
            {"architectures": ["MimiModel"], "model_type": "mimi", "sampling_rate": 24000, "frame_rate": 1500.0,
             "audio_channels": 1, "upsampling_ratios": [4, 2], "codebook_size": 32, "codebook_dim": 8,
             "num_quantizers": 4, "num_semantic_quantizers": 1, "hidden_size": 8, "num_filters": 8,
             "use_causal_conv": True, "transformers_version": "4.46.0"},
            {"feature_extractor_type": "EncodecFeatureExtractor", "feature_size": 1, "sampling_rate": 24000,
             "padding_side": "right", "padding_value": 0.0, "return_attention_mask": True,
             "chunk_length_s": None, "overlap": None}))
        refs.append(seeded(rvq_codec,
            "dac-like", 1, 16000, 8, 3, 32, 8,
            {"architectures": ["DacModel"], "model_type": "dac", "sampling_rate": 16000,
             "downsampling_ratios": [2, 4], "hop_length": 8, "n_codebooks": 3, "codebook_size": 32,
             "codebook_dim": 8, "encoder_hidden_size": 8, "decoder_hidden_size": 8, "quantizer_dropout": 0.0,
             "transformers_version": "4.46.0"},
            {"feature_extractor_type": "DacFeatureExtractor", "feature_size": 1, "sampling_rate": 16000,
             "hop_length": 8, "padding_side": "right", "padding_value": 0.0, "return_attention_mask": True},
            fp16=True))
        refs.append(seeded(snac_codec,
            "snac-like", 24000, [2, 2], [4, 2, 1], 8, 32, 8,
            {"architectures": ["SnacModel"], "model_type": "snac", "sampling_rate": 24000, "encoder_dim": 4,
             "encoder_rates": [2, 2], "decoder_dim": 8, "decoder_rates": [2, 2], "attn_window_size": 8,
             "codebook_size": 32, "codebook_dim": 8, "vq_strides": [4, 2, 1], "noise": False, "depthwise": True,
             "transformers_version": "4.46.0"},
            {"feature_extractor_type": "DacFeatureExtractor", "feature_size": 1, "sampling_rate": 24000,
             "hop_length": 4, "padding_side": "right", "padding_value": 0.0, "return_attention_mask": False}))
        refs.append(seeded(rvq_codec,
            "encodec-like", 2, 32000, 6, 4, 16, 8,
            {"architectures": ["EncodecModel"], "model_type": "encodec", "sampling_rate": 32000,
             "audio_channels": 2, "normalize": False, "chunk_length_s": None, "overlap": None,
             "upsampling_ratios": [3, 2], "target_bandwidths": [120.0, 240.0], "codebook_size": 16,
             "codebook_dim": 8, "hidden_size": 8, "num_filters": 8, "transformers_version": "4.46.0"},
            {"feature_extractor_type": "EncodecFeatureExtractor", "feature_size": 2, "sampling_rate": 32000,
             "padding_side": "right", "padding_value": 0.0, "return_attention_mask": True,
             "chunk_length_s": None, "overlap": None}))
    for ref in refs:
        ref.update({"generator": "packages/audio/fixtures-src/make_hub_codecs.py", "torch": torch.__version__,
                    "onnx": onnx.__version__, "opset": OPSET,
                    "floatEncoding": "base64 of float32 little-endian, row-major [C, S]",
                    "tokenLayout": "[levels, frames] flat; multi-scale: [1, total], the scales' blocks concatenated, coarsest first"})
        path = os.path.join(OUT, f"{ref['name']}.reference.json")
        write_json(path, ref, compact=True)
        print(f"{ref['name']}: distinct codes per level {[d['distinctPerLevel'] for d in ref['dtypes'].values()]}")
    for root, _, files in os.walk(OUT):
        for f in sorted(files):
            p = os.path.join(root, f)
            print(f"{os.path.relpath(p, OUT)}: {os.path.getsize(p)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
