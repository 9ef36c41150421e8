#!/usr/bin/env python3
"""Build the ONNX parity fixture for @mmtok/video (committed with its outputs; not run in CI).

Small random-weight (seeded) 3-D conv encoders/decoders around an FSQ and an RVQ quantizer, exported
to ONNX and run in PyTorch on short clips stored as PNG frames, with the causal grouping mmtok uses
(as in Cosmos): the model sees the first frame alone, then groups of T frames, the last group padded
by repeating the last frame. PyTorch's tokens and reconstructions are recorded so that
test/onnx-parity.test.ts can require mmtok to reproduce the tokens exactly and the reconstruction
within 1e-4.

Needs Debian's python3-torch (1.13), python3-onnx, python3-numpy and python3-pil:
    /usr/bin/python3 packages/video/fixtures-src/make_onnx_fixture.py
Writes packages/video/test/fixtures/onnx/.

Variants:
  fsq        T=4. encoder -> latents [1, 4, 1, h, w] per group; mmtok quantizes with FSQ [8, 5, 5, 5];
             decoder <- latents [1, 4, t, h, w] -> frames [1, 3, 4t, H, W]
  rvq        T=2. encoder -> latents [1, 8, 1, h, w]; mmtok quantizes with RVQ (4 levels x 64 codes,
             from rvq.safetensors, an mmtok codebook file); decoder <- quantized latents
  fsq-codes  the fsq weights, FSQ inside the graphs: encoder -> int64 indices [1, t, h, w],
             decoder <- indices
The decoder maps each latent frame to T frames; for the first group (one frame) the last of them is
kept, so a decoder that makes one frame there works the same way.
"""
import base64
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "scripts", "fixtures"))
from onnx_fixture_common import FSQ, RVQ, f32_b64, write_codebook_file, write_json  # noqa: E402
PKG = os.path.abspath(os.path.join(HERE, ".."))
OUT = os.path.join(PKG, "test", "fixtures", "onnx")
SAMPLES = os.path.join(PKG, "..", "image", "assets", "samples")
OPSET = 17
SEED = 4321
SPATIAL = 4  # total spatial stride: frames are padded (edge) to multiples of it

FSQ_LEVELS = [8, 5, 5, 5]
FSQ_T = 4
RVQ_DIM, RVQ_LEVELS, RVQ_CODES = 8, 4, 64
RVQ_T = 2


# --- models (FSQ and RVQ, following vector-quantize-pytorch, are in onnx_fixture_common) ----------

class Encoder(nn.Module):
    """[B, 3, T_in, H, W] -> [B, D, 1, H/4, W/4] for T_in = 1 or T: a causal temporal conv (front
    padded by repeating the first frame) read at the last frame, so the first frame alone and a whole
    group both make one latent frame."""

    def __init__(self, latent_dim, t):
        super().__init__()
        self.t = t
        self.conv1 = nn.Conv3d(3, 16, (t, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1))
        self.conv2 = nn.Conv3d(16, 16, (1, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1))
        self.out = nn.Conv3d(16, latent_dim, 1)

    def features(self, x):
        x = torch.cat([x[:, :, :1]] * (self.t - 1) + [x], dim=2)[:, :, -self.t:]
        return F.silu(self.conv2(F.silu(self.conv1(x))))

    def forward(self, x):
        return self.out(self.features(x))

    def calibrate(self, groups, std):
        """Rescale the last conv so each latent channel has mean 0 and the given std on these groups:
        random weights alone give latents too narrow for the quantizers to use many codes."""
        z = torch.cat([self(g).flatten(2) for g in groups], dim=2)
        mean, sd = z.mean(dim=(0, 2)), z.std(dim=(0, 2))
        gain = std / sd
        self.out.weight.mul_(gain.view(-1, 1, 1, 1, 1))
        self.out.bias.copy_((self.out.bias - mean) * gain)


class Decoder(nn.Module):
    """[B, D, t, h, w] -> [B, 3, t*T, 4h, 4w] in [-1, 1]."""

    def __init__(self, latent_dim, t):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv3d(latent_dim, 16, 1),
            nn.SiLU(),
            nn.ConvTranspose3d(16, 16, (t, 4, 4), stride=(t, 2, 2), padding=(0, 1, 1)),
            nn.SiLU(),
            nn.ConvTranspose3d(16, 3, (1, 4, 4), stride=(1, 2, 2), padding=(0, 1, 1)),
            nn.Tanh(),
        )

    def forward(self, latents):
        return self.net(latents)


class FsqCodesEncoder(nn.Module):
    """Encoder with FSQ inside: frames -> int64 indices [B, t, h, w]."""

    def __init__(self, encoder, fsq):
        super().__init__()
        self.encoder, self.fsq = encoder, fsq

    def forward(self, x):
        z = self.encoder(x).permute(0, 2, 3, 4, 1)
        return self.fsq.codes_to_indices(self.fsq.quantize(z))


class FsqCodesDecoder(nn.Module):
    """Decoder with FSQ inside: int64 indices [B, t, h, w] -> frames."""

    def __init__(self, decoder, fsq):
        super().__init__()
        self.decoder, self.fsq = decoder, fsq

    def forward(self, indices):
        return self.decoder(self.fsq.indices_to_codes(indices).permute(0, 4, 1, 2, 3))


# --- causal grouping, as mmtok does it ------------------------------------------------------------

def groups_of(clip, t):
    """clip [1, 3, N, H, W] -> the first frame alone, then groups of t (last padded by repeating the
    last frame), each edge-padded spatially to multiples of SPATIAL."""
    n, h, w = clip.shape[2], clip.shape[3], clip.shape[4]
    ph, pw = -h % SPATIAL, -w % SPATIAL
    out = [clip[:, :, :1]]
    for start in range(1, n, t):
        g = clip[:, :, start:start + t]
        if g.shape[2] < t:
            g = torch.cat([g] + [g[:, :, -1:]] * (t - g.shape[2]), dim=2)
        out.append(g)
    return [F.pad(g, (0, pw, 0, ph, 0, 0), mode="replicate") if ph or pw else g for g in out]


def decode_groups(decode, latent_frames, n, h, w):
    """Decode latent frame by latent frame; keep the last frame of the first group, trim to n frames
    and to h x w."""
    frames = []
    for i, z in enumerate(latent_frames):
        y = decode(z)
        frames.append(y[:, :, -1:] if i == 0 else y)
    return torch.cat(frames, dim=2)[:, :, :n, :h, :w]


# --- files --------------------------------------------------------------------------------------------

def export(model, example, name, input_name, output_name, dynamic_in, dynamic_out):
    path = os.path.join(OUT, name)
    torch.onnx.export(
        model, (example,), path, opset_version=OPSET, input_names=[input_name], output_names=[output_name],
        dynamic_axes={input_name: dynamic_in, output_name: dynamic_out}, do_constant_folding=True,
    )
    onnx.checker.check_model(onnx.load(path))
    size = os.path.getsize(path)
    assert size < 200_000, f"{path} is {size} bytes"
    return size


def manifest(name, description, t, encoder, quantizer, decoder):
    return {
        "format": "mmtok-tokenizer",
        "formatVersion": 1,
        "name": name,
        "version": "1.0.0",
        "description": description,
        "modality": "video",
        # x / 127.5 - 1 == (x / 255 - 0.5) / 0.5; the parity test normalizes itself for bit-exact input.
        "preprocessing": {"mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5]},
        "encoder": {**encoder, "temporalCompression": t, "sizeMultiple": SPATIAL, "pad": "edge"},
        "quantizer": quantizer,
        "decoder": decoder,
        "tokens": {"layout": ["t", "h", "w", "levels"], "causal": True},
        "metadata": {"fixture": "random weights, seed %d; see packages/video/fixtures-src/make_onnx_fixture.py" % SEED},
    }


def save_frames(prefix, frames):
    """Saves uint8 HWC frames as PNGs and reads them back: both sides then use the same pixels."""
    names, tensors = [], []
    for i, fr in enumerate(frames):
        name = f"{prefix}-{i:02d}.png"
        Image.fromarray(fr, "RGB").save(os.path.join(OUT, name))
        px = np.asarray(Image.open(os.path.join(OUT, name)).convert("RGB"), dtype=np.uint8)
        names.append(name)
        tensors.append(torch.from_numpy(px.copy()).permute(2, 0, 1).float() / 127.5 - 1)
    return names, torch.stack(tensors, dim=1).unsqueeze(0)  # [1, 3, N, H, W]


def make_clips():
    # A small pan over a real photograph: 9 frames of 32x32 (1 + 2 groups of 4, 1 + 4 groups of 2).
    im = Image.open(os.path.join(SAMPLES, "astronaut.png")).convert("RGB")
    side = min(im.size)
    im = im.crop(((im.width - side) // 2, (im.height - side) // 2, (im.width - side) // 2 + side, (im.height - side) // 2 + side))
    src = np.asarray(im.resize((80, 80), Image.LANCZOS), dtype=np.uint8)
    pan = [np.ascontiguousarray(src[10 + 2 * i:42 + 2 * i, 8 + 3 * i:40 + 3 * i]) for i in range(9)]
    # A synthetic moving pattern, 7 frames of 30x34: not a multiple of 4 in space (edge padding),
    # and 1 + 4 + 2 frames for T=4 (the last group padded by repeating the last frame).
    h, w = 30, 34
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    pattern = []
    for i in range(7):
        r = 127.5 + 127.5 * np.sin((xx + 2.5 * i) / 3.0) * np.cos((yy - 1.5 * i) / 5.0)
        g = np.where(((xx - 3 * i) // 6 + (yy + i) // 6) % 2 == 0, 220.0, 35.0)
        b = 255.0 * ((xx + yy + 4 * i) % 17) / 16.0
        pattern.append(np.clip(np.stack([r, g, b], axis=-1).round(), 0, 255).astype(np.uint8))
    clips = {}
    clips["pan"] = save_frames("pan", pan)
    clips["pattern"] = save_frames("pattern", pattern)
    # The pan's first 6 frames: 1 + 4 + 1 (T=4, 3 padded) and 1 + 2 + 2 + 1 (T=2, 1 padded).
    clips["pan-6"] = (clips["pan"][0][:6], clips["pan"][1][:, :, :6])
    return clips


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(SEED)
    torch.use_deterministic_algorithms(True)
    clips = make_clips()
    sizes = {}
    expected = {
        "generator": "packages/video/fixtures-src/make_onnx_fixture.py",
        "torch": torch.__version__,
        "onnx": onnx.__version__,
        "opset": OPSET,
        "seed": SEED,
        "normalization": "x / 127.5 - 1 (float32), [1, 3, T, H, W]",
        "grouping": "first frame alone, then groups of T (last padded by repeating the last frame); "
                    "spatial edge padding to multiples of 4; decode keeps the last frame of the first group, trims",
        "floatEncoding": "base64 of float32 little-endian, row-major",
        "tokenLayout": ["t", "h", "w", "levels"],
        "clips": {name: {"frames": frames, "width": int(x.shape[4]), "height": int(x.shape[3])} for name, (frames, x) in clips.items()},
        "variants": {},
    }
    dyn_video = {2: "frames", 3: "height", 4: "width"}
    dyn_lat = {2: "t", 3: "h", 4: "w"}

    with torch.no_grad():
        fsq = FSQ(FSQ_LEVELS)
        models = {}

        # FSQ (T=4): mmtok quantizes the latents.
        enc, dec = Encoder(len(FSQ_LEVELS), FSQ_T).eval(), Decoder(len(FSQ_LEVELS), FSQ_T).eval()
        enc.calibrate([g for _, x in clips.values() for g in groups_of(x, FSQ_T)], 1.0)
        models["fsq"] = (enc, dec, FSQ_T)

        # RVQ (T=2): codebooks in an mmtok codebook file, scaled level by level to the latents' spread.
        renc, rdec = Encoder(RVQ_DIM, RVQ_T).eval(), Decoder(RVQ_DIM, RVQ_T).eval()
        rgroups = [g for _, x in clips.values() for g in groups_of(x, RVQ_T)]
        renc.calibrate(rgroups, 1.0)
        scale = torch.cat([renc(g).flatten() for g in rgroups]).std().item()
        codebooks = torch.stack([torch.randn(RVQ_CODES, RVQ_DIM) * scale * 0.5 ** l for l in range(RVQ_LEVELS)])
        rvq = RVQ(codebooks)
        write_codebook_file(os.path.join(OUT, "rvq.safetensors"),
                            {"type": "rvq", "dim": RVQ_DIM, "codebookSize": RVQ_CODES, "numQuantizers": RVQ_LEVELS},
                            codebooks.numpy())
        models["rvq"] = (renc, rdec, RVQ_T)

        for v, (e, d, t) in models.items():
            example = groups_of(clips["pan"][1], t)[1]
            sizes[f"{v}.encoder.onnx"] = export(e, example, f"{v}.encoder.onnx", "video", "latents", dyn_video, dyn_lat)
            sizes[f"{v}.decoder.onnx"] = export(d, e(example), f"{v}.decoder.onnx", "latents", "video", dyn_lat, dyn_video)

        codes_enc, codes_dec = FsqCodesEncoder(enc, fsq).eval(), FsqCodesDecoder(dec, fsq).eval()
        example = groups_of(clips["pan"][1], FSQ_T)[1]
        dyn_idx = {1: "t", 2: "h", 3: "w"}
        sizes["fsq-codes.encoder.onnx"] = export(codes_enc, example, "fsq-codes.encoder.onnx", "video", "indices", dyn_video, dyn_idx)
        sizes["fsq-codes.decoder.onnx"] = export(codes_dec, codes_enc(example), "fsq-codes.decoder.onnx", "indices", "video", dyn_idx, dyn_video)

        lat_enc = lambda v: {"kind": "onnx", "file": f"{v}.encoder.onnx", "inputName": "video", "outputName": "latents", "output": "latents"}
        lat_dec = lambda v: {"kind": "onnx", "file": f"{v}.decoder.onnx", "inputName": "latents", "outputName": "video", "input": "latents"}
        write_json(os.path.join(OUT, "fsq.manifest.json"), manifest(
            "onnx-video-parity-fsq", "Parity fixture: random causal 3-D conv encoder/decoder (T=4, 4x4), FSQ [8,5,5,5] quantized by mmtok.",
            FSQ_T, lat_enc("fsq"), {"config": {"type": "fsq", "levels": FSQ_LEVELS}}, lat_dec("fsq")))
        write_json(os.path.join(OUT, "rvq.manifest.json"), manifest(
            "onnx-video-parity-rvq", "Parity fixture: random causal 3-D conv encoder/decoder (T=2, 4x4), RVQ 4x64 (dim 8) quantized by mmtok.",
            RVQ_T, lat_enc("rvq"), {"file": "rvq.safetensors"}, lat_dec("rvq")))
        write_json(os.path.join(OUT, "fsq-codes.manifest.json"), manifest(
            "onnx-video-parity-fsq-codes", "Parity fixture: FSQ [8,5,5,5] inside the ONNX encoder (indices out) and decoder (indices in), T=4.",
            FSQ_T,
            {"kind": "onnx", "file": "fsq-codes.encoder.onnx", "inputName": "video", "outputName": "indices", "output": "codes"},
            {"config": {"type": "fsq", "levels": FSQ_LEVELS}},
            {"kind": "onnx", "file": "fsq-codes.decoder.onnx", "inputName": "indices", "outputName": "video", "input": "indices"}))

        for variant in ["fsq", "rvq", "fsq-codes"]:
            per_clip = {}
            for cname, (_, x) in clips.items():
                n, h, w = x.shape[2], x.shape[3], x.shape[4]
                if variant == "fsq-codes":
                    idx = torch.cat([codes_enc(g) for g in groups_of(x, FSQ_T)], dim=1)  # [1, t, h, w]
                    want = torch.tensor(expected["variants"]["fsq"]["clips"][cname]["tokens"]).reshape(idx.shape)
                    assert torch.equal(idx, want), "FSQ inside the graph disagrees"
                    recon = decode_groups(lambda i: codes_dec(i), [idx[:, k:k + 1] for k in range(idx.shape[1])], n, h, w)
                    assert torch.allclose(recon, torch.from_numpy(np.frombuffer(base64.b64decode(
                        expected["variants"]["fsq"]["clips"][cname]["reconstruction"]), dtype="<f4").reshape(recon.shape).copy()), atol=1e-6)
                    per_clip[cname] = {"sameAs": "fsq", "tokenShape": [idx.shape[1], idx.shape[2], idx.shape[3], 1]}
                    continue
                e, d, t = models[variant]
                lat = [e(g) for g in groups_of(x, t)]  # each [1, D, 1, h, w]
                z = torch.cat(lat, dim=2)
                _, D, lt, lh, lw = z.shape
                rows = z.permute(0, 2, 3, 4, 1).reshape(-1, D)  # positions (t, h, w) x D
                if variant == "rvq":
                    q, idx = rvq(rows)
                    levels = RVQ_LEVELS
                    distinct = len(set(map(tuple, idx.tolist())))
                else:
                    q = fsq.quantize(rows)
                    idx = fsq.codes_to_indices(q)
                    assert torch.equal(fsq.indices_to_codes(idx), q)
                    levels = 1
                    distinct = len(set(idx.tolist()))
                qz = q.reshape(1, lt, lh, lw, D).permute(0, 4, 1, 2, 3)
                recon = decode_groups(lambda zz: d(zz), [qz[:, :, k:k + 1] for k in range(lt)], n, h, w)
                per_clip[cname] = {
                    "groups": len(lat),
                    "latentShape": list(z.shape),
                    "latents": f32_b64(z),
                    "tokenShape": [lt, lh, lw, levels],
                    "tokens": idx.reshape(-1).tolist(),
                    "distinctTokens": distinct,
                    "reconstructionShape": list(recon.shape),
                    "reconstruction": f32_b64(recon),
                }
            expected["variants"][variant] = {"manifest": f"{variant}.manifest.json", "temporalCompression": models.get(variant, models["fsq"])[2], "clips": per_clip}

    expected["fileSizes"] = sizes
    write_json(os.path.join(OUT, "expected.json"), expected, compact=True)
    for variant, v in expected["variants"].items():
        print(variant, {c: (e.get("tokenShape"), e.get("distinctTokens")) for c, e in v["clips"].items()})
    for name, size in sizes.items():
        print(f"{name}: {size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
