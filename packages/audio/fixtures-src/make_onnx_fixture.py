#!/usr/bin/env python3
"""Build the ONNX parity fixture for @mmtok/audio (committed with its outputs; not run in CI).

A small random-weight (seeded) 1-D conv codec at 16 kHz (total stride 320 -> 50 frames/s, latent
dim 8), exported to ONNX in three variants that follow the public Mimi / DAC / SNAC exports
(`input_values` float32 [B, channels, samples] in, `audio_codes` int64 out, `audio_values` back),
run in PyTorch on three short 16-bit WAV clips; PyTorch's tokens and reconstructions are recorded so
that test/onnx-parity.test.ts can require mmtok to reproduce the tokens exactly and the
reconstruction within 1e-4.

Needs Debian's python3-torch (1.13), python3-onnx, python3-numpy, espeak-ng and sox:
    /usr/bin/python3 packages/audio/fixtures-src/make_onnx_fixture.py
Writes packages/audio/test/fixtures/onnx/.

Variants:
  latents  encoder -> latents [1, 8, T]; mmtok quantizes with RVQ (4 levels x 64 codes from
           rvq.safetensors, an mmtok codebook file); decoder <- quantized latents [1, 8, T]
  codes    the same conv weights and codebooks with the RVQ inside the graphs (Mimi/DAC style):
           encoder -> int64 audio_codes [1, 4, T]; decoder <- audio_codes [1, Q, T] for any Q <= 4
  multiscale  SNAC style: the same conv weights; a coarse VQ on 2x average-pooled latents
           (25 frames/s, output audio_codes.0 [1, T/2]) and a fine VQ on the residual
           (50 frames/s, audio_codes.1 [1, T]); the decoder takes both. Padding multiple 640.

Every clip is zero-padded on the right to whole frames before the encoder and the reconstruction is
cut back to the clip's length, as mmtok does.
"""
import math
import os
import subprocess
import sys
import tempfile
import wave

import numpy as np
import onnx
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "scripts", "fixtures"))
from onnx_fixture_common import f32_b64, write_codebook_file, write_json  # noqa: E402
OUT = os.path.join(HERE, "..", "test", "fixtures", "onnx")
OPSET = 17
SEED = 4321
SR = 16000
HOP = 320  # 4 * 8 * 10
DIM, LEVELS, CODES = 8, 4, 64
MS_CODES = 64
# Clip lengths: a whole number of frames, one that is not (padding/trimming), and one that is
# whole for hop 320 but not for the multi-scale padding multiple 640.
CLIPS = [
    ("speech-a.wav", "espeak", ("en", "The quick brown fox jumps."), 16000),
    ("speech-b.wav", "espeak", ("en-us+f3", "Tokens for audio models."), 15731),
    ("chord.wav", "chord", (220.0, 277.18, 329.63), 8000),
]
LEVEL_SELECTION = 2  # recorded for the first clip: decode with the first 2 levels only


# --- audio -------------------------------------------------------------------------------------------

def write_wav16(path, samples):
    pcm = np.clip(np.round(samples * 32767.0), -32768, 32767).astype("<i2")
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SR)
        w.writeframes(pcm.tobytes())


def read_wav16(path):
    """int16 / 32768 in float32: the exact samples a WAV reader on the other side gets."""
    with wave.open(path, "rb") as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2 and w.getframerate() == SR
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    return torch.from_numpy(pcm.astype(np.float32) / np.float32(32768.0))


def fit_length(x, n):
    return np.concatenate([x, np.zeros(max(0, n - len(x)), dtype=x.dtype)])[:n]


def make_clips():
    names, tensors = [], []
    for name, kind, args, length in CLIPS:
        path = os.path.join(OUT, name)
        if kind == "espeak":
            voice, text = args
            with tempfile.TemporaryDirectory() as tmp:
                raw, res = os.path.join(tmp, "raw.wav"), os.path.join(tmp, "res.wav")
                subprocess.run(["espeak-ng", "-v", voice, "-w", raw, text], check=True)
                # 16 kHz mono 16-bit, leading silence trimmed; no dither (-D), fixed seed (-R): repeatable.
                subprocess.run(["sox", "-D", "-R", raw, "-r", str(SR), "-c", "1", "-b", "16", res, "silence", "1", "0.02", "1%"], check=True)
                with wave.open(res, "rb") as w:
                    x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64) / 32768.0
            x = fit_length(x, length)
            x = x / max(1e-9, np.abs(x).max()) * 0.6
        else:
            t = np.arange(length) / SR
            x = sum(np.sin(2 * math.pi * f * t) for f in args) / len(args)
            x = x * np.minimum(1.0, np.minimum(t / 0.02, (length / SR - t) / 0.05)) * 0.5
        write_wav16(path, x)
        names.append(name)
        tensors.append(read_wav16(path))
    return names, tensors


# --- model ----------------------------------------------------------------------------------------------

class Encoder(nn.Module):
    """[B, 1, S] -> [B, DIM, S / 320]: kernel 2*stride, padding stride/2, so S / stride exactly."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv1d(1, 16, 8, stride=4, padding=2),
            nn.ELU(),
            nn.Conv1d(16, 16, 16, stride=8, padding=4),
            nn.ELU(),
            nn.Conv1d(16, DIM, 20, stride=10, padding=5),
        )

    def calibrate(self, clips, std):
        """Mean 0, the given std per latent channel on these clips: random weights alone give
        latents too narrow for the codebooks to be used well."""
        with torch.no_grad():
            z = torch.cat([self(pad(x.view(1, 1, -1), HOP)) for x in clips], dim=2)
            mean, sd = z.mean(dim=(0, 2)), z.std(dim=(0, 2))
            last = self.net[-1]
            gain = std / sd
            last.weight.mul_(gain.view(-1, 1, 1))
            last.bias.copy_((last.bias - mean) * gain)

    def forward(self, x):
        return self.net(x)


class Decoder(nn.Module):
    """[B, DIM, T] -> [B, 1, T * 320]."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.ConvTranspose1d(DIM, 16, 20, stride=10, padding=5),
            nn.ELU(),
            nn.ConvTranspose1d(16, 16, 16, stride=8, padding=4),
            nn.ELU(),
            nn.ConvTranspose1d(16, 1, 8, stride=4, padding=2),
            nn.Tanh(),
        )

    def forward(self, z):
        return self.net(z)


def nearest(x, codebook):
    """x [N, D], codebook [K, D] -> argmin of the squared distance (cdist, as mmtok's reference)."""
    return torch.cdist(x, codebook).argmin(dim=-1)


def nearest_in_graph(x, codebook):
    """The same search written with ops that export to ONNX (MatMul, ReduceSum, ArgMin)."""
    d = (x * x).sum(-1, keepdim=True) - 2 * x @ codebook.t() + (codebook * codebook).sum(-1)
    return d.argmin(dim=-1)


def rvq(z_rows, codebooks, search=nearest):
    """z [N, D] -> (quantized [N, D], indices [N, Q]); the residual chain."""
    residual, quantized, indices = z_rows, torch.zeros_like(z_rows), []
    for cb in codebooks:
        idx = search(residual, cb)
        q = cb[idx]
        quantized = quantized + q
        residual = residual - q
        indices.append(idx)
    return quantized, torch.stack(indices, dim=-1)


class CodesEncoder(nn.Module):
    """input_values [B, 1, S] -> audio_codes int64 [B, Q, T] (RVQ in the graph)."""

    def __init__(self, encoder, codebooks):
        super().__init__()
        self.encoder = encoder
        self.register_buffer("codebooks", codebooks)

    def forward(self, input_values):
        z = self.encoder(input_values)  # [B, D, T]
        b, d, t = z.shape
        _, idx = rvq(z.permute(0, 2, 1).reshape(-1, d), self.codebooks, nearest_in_graph)
        return idx.reshape(b, t, -1).permute(0, 2, 1)


class CodesDecoder(nn.Module):
    """audio_codes [B, Q, T] (any Q up to the codebooks it holds) -> audio_values [B, 1, T * 320]."""

    def __init__(self, decoder, codebooks):
        super().__init__()
        self.decoder = decoder
        q, k, d = codebooks.shape
        self.k = k
        self.register_buffer("flat", codebooks.reshape(q * k, d))

    def forward(self, audio_codes):
        q = audio_codes.shape[1]
        offsets = (torch.arange(q) * self.k).view(1, -1, 1)
        emb = nn.functional.embedding(audio_codes + offsets, self.flat)  # [B, Q, T, D]
        return self.decoder(emb.sum(dim=1).permute(0, 2, 1))


class MultiScale(nn.Module):
    """SNAC-style two-scale quantizer: coarse VQ at half the frame rate, fine VQ on the residual."""

    def __init__(self, coarse, fine):
        super().__init__()
        self.register_buffer("coarse", coarse)
        self.register_buffer("fine", fine)

    def encode(self, z, search):
        b, d, t = z.shape
        pooled = nn.functional.avg_pool1d(z, 2)  # [B, D, T/2]
        c0 = search(pooled.permute(0, 2, 1).reshape(-1, d), self.coarse).reshape(b, -1)
        residual = z - self.upsample(self.coarse[c0])
        c1 = search(residual.permute(0, 2, 1).reshape(-1, d), self.fine).reshape(b, -1)
        return c0, c1

    @staticmethod
    def upsample(q):
        """[B, T/2, D] -> [B, D, T]: each coarse code held for two fine frames."""
        b, t2, d = q.shape
        return torch.stack([q, q], dim=2).reshape(b, 2 * t2, d).permute(0, 2, 1)

    def latents(self, c0, c1):
        return self.upsample(self.coarse[c0]) + self.fine[c1].permute(0, 2, 1)


class MultiScaleEncoder(nn.Module):
    def __init__(self, encoder, ms):
        super().__init__()
        self.encoder, self.ms = encoder, ms

    def forward(self, input_values):
        return self.ms.encode(self.encoder(input_values), nearest_in_graph)


class MultiScaleDecoder(nn.Module):
    def __init__(self, decoder, ms):
        super().__init__()
        self.decoder, self.ms = decoder, ms

    def forward(self, codes0, codes1):
        return self.decoder(self.ms.latents(codes0, codes1))


def pad(x, multiple):
    """Zero-pad [B, C, S] on the right to a multiple of `multiple` samples."""
    extra = -x.shape[-1] % multiple
    return nn.functional.pad(x, (0, extra)) if extra else x


# --- files ----------------------------------------------------------------------------------------------

def export(model, examples, name, input_names, output_names, dynamic_axes):
    path = os.path.join(OUT, name)
    torch.onnx.export(
        model, examples, path, opset_version=OPSET, input_names=input_names, output_names=output_names,
        dynamic_axes=dynamic_axes, do_constant_folding=True,
    )
    onnx.checker.check_model(onnx.load(path))
    size = os.path.getsize(path)
    assert size < 200_000, f"{path} is {size} bytes"
    return size


def manifest(name, description, encoder, quantizer, decoder, frame_rate):
    m = {
        "format": "mmtok-tokenizer",
        "formatVersion": 1,
        "name": name,
        "version": "1.0.0",
        "description": description,
        "modality": "audio",
        # The hop (sampleRate / frameRate) is the padding multiple: for multi-scale, the coarsest scale's.
        "preprocessing": {"sampleRate": SR, "channels": 1},
        "encoder": encoder,
        "decoder": decoder,
        "tokens": {"layout": ["levels", "frames"], "frameRate": frame_rate},
        "metadata": {"fixture": "random weights, seed %d; see packages/audio/fixtures-src/make_onnx_fixture.py" % SEED},
    }
    if quantizer is not None:
        m["quantizer"] = quantizer
    return m


def distinct_columns(tokens):
    """Distinct token tuples over frames of a [levels, frames] array."""
    return len(set(map(tuple, tokens.t().tolist())))


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(SEED)
    torch.use_deterministic_algorithms(True)
    names, clips = make_clips()
    inputs = [x.view(1, 1, -1) for x in clips]
    sizes = {}
    expected = {
        "generator": "packages/audio/fixtures-src/make_onnx_fixture.py",
        "torch": torch.__version__,
        "onnx": onnx.__version__,
        "opset": OPSET,
        "seed": SEED,
        "sampleRate": SR,
        "input": "16-bit WAV samples / 32768 as float32, [1, 1, samples], zero-padded on the right to the hop",
        "floatEncoding": "base64 of float32 little-endian, row-major",
        "tokenLayout": "[levels, frames] flat; multi-scale: [1, total], the scales' [levels, frames] blocks concatenated, coarsest first",
        "clips": names,
        "levelSelection": {"clip": names[0], "levels": LEVEL_SELECTION},
        "variants": {},
    }

    with torch.no_grad():
        enc, dec = Encoder().eval(), Decoder().eval()
        enc.calibrate(clips, 1.0)
        z_all = torch.cat([enc(pad(x, HOP)).permute(0, 2, 1).reshape(-1, DIM) for x in inputs])
        scale = z_all.std().item()
        codebooks = torch.stack([torch.randn(CODES, DIM) * scale * 0.6 ** l for l in range(LEVELS)])
        coarse = torch.randn(MS_CODES, DIM) * scale * 0.8
        fine = torch.randn(MS_CODES, DIM) * scale * 0.6
        ms = MultiScale(coarse, fine)

        # latents: mmtok quantizes with the codebooks from rvq.safetensors.
        rvq_config = {"type": "rvq", "dim": DIM, "codebookSize": CODES, "numQuantizers": LEVELS}
        write_codebook_file(os.path.join(OUT, "rvq.safetensors"), rvq_config, codebooks.numpy())
        ex = pad(inputs[0], HOP)
        dyn_audio = {0: "batch", 2: "samples"}
        sizes["latents.encoder.onnx"] = export(enc, (ex,), "latents.encoder.onnx", ["input_values"], ["latents"],
                                               {"input_values": dyn_audio, "latents": {0: "batch", 2: "frames"}})
        sizes["latents.decoder.onnx"] = export(dec, (enc(ex),), "latents.decoder.onnx", ["latents"], ["audio_values"],
                                               {"latents": {0: "batch", 2: "frames"}, "audio_values": dyn_audio})

        # codes: RVQ inside the graphs.
        codes_enc, codes_dec = CodesEncoder(enc, codebooks).eval(), CodesDecoder(dec, codebooks).eval()
        dyn_codes = {0: "batch", 1: "levels", 2: "frames"}
        sizes["codes.encoder.onnx"] = export(codes_enc, (ex,), "codes.encoder.onnx", ["input_values"], ["audio_codes"],
                                             {"input_values": dyn_audio, "audio_codes": dyn_codes})
        sizes["codes.decoder.onnx"] = export(codes_dec, (codes_enc(ex),), "codes.decoder.onnx", ["audio_codes"], ["audio_values"],
                                             {"audio_codes": dyn_codes, "audio_values": dyn_audio})

        # multiscale: two code tensors with different frame rates.
        ms_enc, ms_dec = MultiScaleEncoder(enc, ms).eval(), MultiScaleDecoder(dec, ms).eval()
        ex2 = pad(inputs[0], 2 * HOP)
        c0, c1 = ms_enc(ex2)
        sizes["multiscale.encoder.onnx"] = export(
            ms_enc, (ex2,), "multiscale.encoder.onnx", ["input_values"], ["audio_codes.0", "audio_codes.1"],
            {"input_values": dyn_audio, "audio_codes.0": {0: "batch", 1: "frames0"}, "audio_codes.1": {0: "batch", 1: "frames1"}})
        sizes["multiscale.decoder.onnx"] = export(
            ms_dec, (c0, c1), "multiscale.decoder.onnx", ["audio_codes.0", "audio_codes.1"], ["audio_values"],
            {"audio_codes.0": {0: "batch", 1: "frames0"}, "audio_codes.1": {0: "batch", 1: "frames1"}, "audio_values": dyn_audio})

        write_json(os.path.join(OUT, "latents.manifest.json"), manifest(
            "onnx-parity-audio-latents", "Parity fixture: random conv codec, latents quantized by mmtok with RVQ 4x64 (dim 8).",
            {"kind": "onnx", "file": "latents.encoder.onnx", "inputName": "input_values", "outputName": "latents", "output": "latents"},
            {"file": "rvq.safetensors"},
            {"kind": "onnx", "file": "latents.decoder.onnx", "inputName": "latents", "outputName": "audio_values", "input": "latents"},
            SR / HOP))
        write_json(os.path.join(OUT, "codes.manifest.json"), manifest(
            "onnx-parity-audio-codes", "Parity fixture: random conv codec with RVQ 4x64 inside the graphs (Mimi/DAC style).",
            {"kind": "onnx", "file": "codes.encoder.onnx", "inputName": "input_values", "outputName": "audio_codes", "output": "codes"},
            None,
            {"kind": "onnx", "file": "codes.decoder.onnx", "inputName": "audio_codes", "outputName": "audio_values", "input": "codes"},
            SR / HOP))
        write_json(os.path.join(OUT, "multiscale.manifest.json"), manifest(
            "onnx-parity-audio-multiscale", "Parity fixture: SNAC-style two-scale codes (25 and 50 frames/s), VQ 64 each, inside the graphs.",
            {"kind": "onnx", "file": "multiscale.encoder.onnx", "inputName": "input_values",
             "outputName": ["audio_codes.0", "audio_codes.1"], "output": "codes"},
            None,
            {"kind": "onnx", "file": "multiscale.decoder.onnx", "inputName": ["audio_codes.0", "audio_codes.1"],
             "outputName": "audio_values", "input": "codes"},
            SR / (2 * HOP)))

        # PyTorch reference, per variant and clip.
        for variant in ["latents", "codes", "multiscale"]:
            per_clip = {}
            for name, x in zip(names, inputs):
                n = x.shape[-1]
                entry = {"samples": n}
                if variant == "multiscale":
                    xp = pad(x, 2 * HOP)
                    c0, c1 = ms.encode(enc(xp), nearest)
                    g0, g1 = ms_enc(xp)
                    assert torch.equal(c0, g0) and torch.equal(c1, g1), "in-graph search disagrees"
                    recon = dec(ms.latents(c0, c1))[..., :n]
                    entry["scales"] = [{"levels": 1, "frames": c0.shape[1], "frameRate": SR / (2 * HOP)},
                                       {"levels": 1, "frames": c1.shape[1], "frameRate": SR / HOP}]
                    entry["tokenShape"] = [1, c0.numel() + c1.numel()]
                    entry["tokens"] = torch.cat([c0.reshape(-1), c1.reshape(-1)]).tolist()
                    entry["distinctTokens"] = [len(set(c0.reshape(-1).tolist())), len(set(c1.reshape(-1).tolist()))]
                else:
                    xp = pad(x, HOP)
                    z = enc(xp)
                    _, d, t = z.shape
                    q, idx = rvq(z.permute(0, 2, 1).reshape(-1, d), codebooks)
                    tokens = idx.t()  # [levels, frames]
                    if variant == "codes":
                        g = codes_enc(xp)[0]
                        assert torch.equal(g, tokens), "in-graph RVQ disagrees with the reference"
                        recon = codes_dec(tokens.unsqueeze(0))[..., :n]
                    else:
                        recon = dec(q.reshape(1, t, d).permute(0, 2, 1))[..., :n]
                    entry["tokenShape"] = list(tokens.shape)
                    entry["tokens"] = tokens.reshape(-1).tolist()
                    entry["distinctTokens"] = distinct_columns(tokens)
                    if name == names[0]:
                        k = LEVEL_SELECTION
                        if variant == "codes":
                            rk = codes_dec(tokens[:k].unsqueeze(0))[..., :n]
                        else:
                            qk, _ = rvq(z.permute(0, 2, 1).reshape(-1, d), codebooks[:k])
                            rk = dec(qk.reshape(1, t, d).permute(0, 2, 1))[..., :n]
                        entry["levelSelection"] = {"levels": k, "reconstruction": f32_b64(rk)}
                entry["reconstructionShape"] = list(recon.shape)
                entry["reconstruction"] = f32_b64(recon)
                per_clip[name] = entry
            expected["variants"][variant] = {"manifest": f"{variant}.manifest.json", "clips": per_clip}

    expected["fileSizes"] = sizes
    path = os.path.join(OUT, "expected.json")
    write_json(path, expected, compact=True)
    for variant, v in expected["variants"].items():
        print(f"{variant}: distinct tokens per clip {[c['distinctTokens'] for c in v['clips'].values()]}")
    for name, size in sizes.items():
        print(f"{name}: {size} bytes")
    print(f"expected.json: {os.path.getsize(path)} bytes")
    assert os.path.getsize(path) < 1_000_000
    return 0


if __name__ == "__main__":
    sys.exit(main())
