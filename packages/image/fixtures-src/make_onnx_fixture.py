#!/usr/bin/env python3
"""Build the ONNX parity fixture for @mmtok/image (committed with its outputs; not run in CI).

Small random-weight (seeded) conv encoders/decoders around an FSQ and an RVQ quantizer, exported to
ONNX, run in PyTorch on three 64x64 PNGs; PyTorch's tokens and reconstructions are recorded so that
test/onnx-parity.test.ts can require mmtok to reproduce the tokens exactly and the reconstruction
within 1e-4.

Needs Debian's python3-torch (1.13), python3-onnx, python3-numpy and python3-pil:
    /usr/bin/python3 packages/image/fixtures-src/make_onnx_fixture.py
Writes packages/image/test/fixtures/onnx/.

Variants:
  fsq        encoder -> latents [1, 4, h, w]; mmtok quantizes with FSQ [8, 5, 5, 5]; decoder <- latents
  rvq        encoder -> latents [1, 8, h, w]; mmtok quantizes with RVQ (4 levels x 64 codes, from
             rvq.safetensors, an mmtok codebook file); decoder <- quantized latents
  fsq-codes  the fsq weights, with FSQ inside the ONNX graphs: encoder -> int64 indices [1, h, w],
             decoder <- indices
  fsq-batch, fsq-codes-batch
             the fsq and fsq-codes encoders exported with a dynamic batch axis ([N, 3, H, W] in), for
             ImageTokenizer.encodeBatch; their decoders are fsq's and fsq-codes'
"""
import os
import sys

import numpy as np
import onnx
import torch
from PIL import Image
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "scripts", "fixtures"))
from onnx_fixture_common import FSQ, RVQ, f32_b64, write_codebook_file, write_json  # noqa: E402
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
OUT = os.path.join(HERE, "..", "test", "fixtures", "onnx")
IMAGES = os.path.join(REPO, "..", "shared", "data", "images")
SOURCES = ["astronaut.png", "coffee.png", "rocket.jpg"]
SIZE = 64
OPSET = 17
SEED = 1234

FSQ_LEVELS = [8, 5, 5, 5]
RVQ_DIM, RVQ_LEVELS, RVQ_CODES = 8, 4, 64


# --- models (FSQ and RVQ, following vector-quantize-pytorch, are in onnx_fixture_common) ----------

class Encoder(nn.Module):
    def __init__(self, latent_dim):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(3, 16, 3, stride=2, padding=1),
            nn.SiLU(),
            nn.Conv2d(16, 8, 3, stride=2, padding=1),
            nn.SiLU(),
            nn.Conv2d(8, latent_dim, 1),
        )

    def calibrate(self, images, std):
        """Rescale the last conv so each latent channel has mean 0 and the given std on these images:
        random weights alone give latents too narrow for the quantizers to use many codes."""
        with torch.no_grad():
            z = torch.cat([self(x) for x in images])
            mean, sd = z.mean(dim=(0, 2, 3)), z.std(dim=(0, 2, 3))
            last = self.net[-1]
            gain = std / sd
            last.weight.mul_(gain.view(-1, 1, 1, 1))
            last.bias.copy_((last.bias - mean) * gain)

    def forward(self, image):
        return self.net(image)


class Decoder(nn.Module):
    def __init__(self, latent_dim):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(latent_dim, 8, 1),
            nn.SiLU(),
            nn.ConvTranspose2d(8, 16, 4, stride=2, padding=1),
            nn.SiLU(),
            nn.ConvTranspose2d(16, 3, 4, stride=2, padding=1),
            nn.Tanh(),
        )

    def forward(self, latents):
        return self.net(latents)


class FsqCodesEncoder(nn.Module):
    """Encoder with FSQ inside: image -> int64 indices [1, h, w]."""

    def __init__(self, encoder, fsq):
        super().__init__()
        self.encoder, self.fsq = encoder, fsq

    def forward(self, image):
        z = self.encoder(image).permute(0, 2, 3, 1)
        return self.fsq.codes_to_indices(self.fsq.quantize(z))


class FsqCodesDecoder(nn.Module):
    """Decoder with FSQ inside: int64 indices [1, h, w] -> image."""

    def __init__(self, decoder, fsq):
        super().__init__()
        self.decoder, self.fsq = decoder, fsq

    def forward(self, indices):
        return self.decoder(self.fsq.indices_to_codes(indices).permute(0, 3, 1, 2))


# --- files --------------------------------------------------------------------------------------------

def export(model, example, path, input_name, output_name, dynamic_in, dynamic_out):
    torch.onnx.export(
        model, (example,), path, opset_version=OPSET, input_names=[input_name], output_names=[output_name],
        dynamic_axes={input_name: dynamic_in, output_name: dynamic_out}, do_constant_folding=True,
    )
    onnx.checker.check_model(onnx.load(path))
    size = os.path.getsize(path)
    assert size < 200_000, f"{path} is {size} bytes"
    return size


def manifest(name, description, encoder, quantizer, decoder):
    return {
        "format": "mmtok-tokenizer",
        "formatVersion": 1,
        "name": name,
        "version": "1.0.0",
        "description": description,
        "modality": "image",
        # x / 127.5 - 1 == (x / 255 - 0.5) / 0.5; the parity test normalizes itself for bit-exact input.
        "preprocessing": {"resize": {"mode": "none"}, "mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5], "sizeMultiple": 4},
        "encoder": encoder,
        "quantizer": quantizer,
        "decoder": decoder,
        "tokens": {"layout": ["h", "w", "levels"]},
        "metadata": {"fixture": "random weights, seed %d; see packages/image/fixtures-src/make_onnx_fixture.py" % SEED},
    }


def load_images():
    """Centre square crop, resized to 64x64 and saved as PNG: both sides then read the same pixels."""
    names, tensors = [], []
    for src in SOURCES:
        im = Image.open(os.path.join(IMAGES, src)).convert("RGB")
        side = min(im.size)
        left, top = (im.width - side) // 2, (im.height - side) // 2
        im = im.crop((left, top, left + side, top + side)).resize((SIZE, SIZE), Image.LANCZOS)
        # A fresh image drops the source's ICC profile: a reader that colour-manages (sharp does)
        # would otherwise see other pixels than PIL.
        im = Image.fromarray(np.asarray(im, dtype=np.uint8), "RGB")
        name = os.path.splitext(src)[0] + ".png"
        im.save(os.path.join(OUT, name))
        pixels = np.asarray(Image.open(os.path.join(OUT, name)).convert("RGB"), dtype=np.uint8)
        x = torch.from_numpy(pixels.copy()).permute(2, 0, 1).unsqueeze(0).float() / 127.5 - 1
        names.append(name)
        tensors.append(x)
    return names, tensors


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(SEED)
    torch.use_deterministic_algorithms(True)
    names, images = load_images()
    example = images[0]
    dyn_img = {2: "height", 3: "width"}
    dyn_lat = {2: "h", 3: "w"}
    sizes = {}
    expected = {
        "generator": "packages/image/fixtures-src/make_onnx_fixture.py",
        "torch": torch.__version__,
        "onnx": onnx.__version__,
        "opset": OPSET,
        "seed": SEED,
        "normalization": "x / 127.5 - 1 (float32), NCHW",
        "floatEncoding": "base64 of float32 little-endian, row-major",
        "images": names,
        "variants": {},
    }

    with torch.no_grad():
        # FSQ: mmtok quantizes the latents.
        fsq = FSQ(FSQ_LEVELS)
        fsq_enc, fsq_dec = Encoder(len(FSQ_LEVELS)).eval(), Decoder(len(FSQ_LEVELS)).eval()
        fsq_enc.calibrate(images, 1.0)
        sizes["fsq.encoder.onnx"] = export(fsq_enc, example, os.path.join(OUT, "fsq.encoder.onnx"), "image", "latents", dyn_img, dyn_lat)
        lat_example = fsq.quantize(fsq_enc(example).permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        sizes["fsq.decoder.onnx"] = export(fsq_dec, lat_example, os.path.join(OUT, "fsq.decoder.onnx"), "latents", "image", dyn_lat, dyn_img)

        # RVQ: codebooks in an mmtok codebook file, scaled to the latents' spread level by level.
        rvq_enc, rvq_dec = Encoder(RVQ_DIM).eval(), Decoder(RVQ_DIM).eval()
        rvq_enc.calibrate(images, 1.0)
        z_all = torch.cat([rvq_enc(x).permute(0, 2, 3, 1).reshape(-1, RVQ_DIM) for x in images])
        scale = z_all.std().item()
        codebooks = torch.stack([torch.randn(RVQ_CODES, RVQ_DIM) * scale * 0.5 ** l for l in range(RVQ_LEVELS)])
        rvq = RVQ(codebooks)
        rvq_config = {"type": "rvq", "dim": RVQ_DIM, "codebookSize": RVQ_CODES, "numQuantizers": RVQ_LEVELS}
        write_codebook_file(os.path.join(OUT, "rvq.safetensors"), rvq_config, codebooks.numpy())
        sizes["rvq.encoder.onnx"] = export(rvq_enc, example, os.path.join(OUT, "rvq.encoder.onnx"), "image", "latents", dyn_img, dyn_lat)
        sizes["rvq.decoder.onnx"] = export(rvq_dec, rvq_enc(example), os.path.join(OUT, "rvq.decoder.onnx"), "latents", "image", dyn_lat, dyn_img)

        # FSQ inside the graphs: same weights, int64 indices in and out.
        codes_enc, codes_dec = FsqCodesEncoder(fsq_enc, fsq).eval(), FsqCodesDecoder(fsq_dec, fsq).eval()
        idx_example = codes_enc(example)
        dyn_idx = {1: "h", 2: "w"}
        sizes["fsq-codes.encoder.onnx"] = export(codes_enc, example, os.path.join(OUT, "fsq-codes.encoder.onnx"), "image", "indices", dyn_img, dyn_idx)
        sizes["fsq-codes.decoder.onnx"] = export(codes_dec, idx_example, os.path.join(OUT, "fsq-codes.decoder.onnx"), "indices", "image", dyn_idx, dyn_img)

        # The same encoders with a dynamic batch axis. A batched conv may differ from single runs in
        # the last float bit, but the tokens of the batch must be those of the single runs.
        batch = torch.cat(images)
        for v, model, out_name, dyn_out in [("fsq-batch", fsq_enc, "latents", dyn_lat), ("fsq-codes-batch", codes_enc, "indices", dyn_idx)]:
            sizes[f"{v}.encoder.onnx"] = export(model, batch, os.path.join(OUT, f"{v}.encoder.onnx"), "image", out_name, {0: "batch", **dyn_img}, {0: "batch", **dyn_out})
            tokens = codes_enc if v == "fsq-codes-batch" else lambda x: fsq.codes_to_indices(fsq.quantize(fsq_enc(x).permute(0, 2, 3, 1)))
            assert torch.equal(tokens(batch), torch.cat([tokens(x) for x in images])), f"{v}: batched tokens differ"

        lat_spec = lambda v: {"kind": "onnx", "file": f"{v}.encoder.onnx", "inputName": "image", "outputName": "latents", "output": "latents"}
        dec_spec = lambda v: {"kind": "onnx", "file": f"{v}.decoder.onnx", "inputName": "latents", "outputName": "image", "input": "latents"}
        write_json(os.path.join(OUT, "fsq.manifest.json"), manifest(
            "onnx-parity-fsq", "Parity fixture: random conv encoder/decoder, FSQ [8,5,5,5] quantized by mmtok.",
            lat_spec("fsq"), {"config": {"type": "fsq", "levels": FSQ_LEVELS}}, dec_spec("fsq")))
        write_json(os.path.join(OUT, "rvq.manifest.json"), manifest(
            "onnx-parity-rvq", "Parity fixture: random conv encoder/decoder, RVQ 4x64 (dim 8) quantized by mmtok.",
            lat_spec("rvq"), {"file": "rvq.safetensors"}, dec_spec("rvq")))
        write_json(os.path.join(OUT, "fsq-codes.manifest.json"), manifest(
            "onnx-parity-fsq-codes", "Parity fixture: FSQ [8,5,5,5] inside the ONNX encoder (indices out) and decoder (indices in).",
            {"kind": "onnx", "file": "fsq-codes.encoder.onnx", "inputName": "image", "outputName": "indices", "output": "codes"},
            {"config": {"type": "fsq", "levels": FSQ_LEVELS}},
            {"kind": "onnx", "file": "fsq-codes.decoder.onnx", "inputName": "indices", "outputName": "image", "input": "indices"}))
        write_json(os.path.join(OUT, "fsq-batch.manifest.json"), manifest(
            "onnx-parity-fsq-batch", "Parity fixture: the fsq encoder with a dynamic batch axis.",
            lat_spec("fsq-batch"), {"config": {"type": "fsq", "levels": FSQ_LEVELS}}, dec_spec("fsq")))
        write_json(os.path.join(OUT, "fsq-codes-batch.manifest.json"), manifest(
            "onnx-parity-fsq-codes-batch", "Parity fixture: the fsq-codes encoder with a dynamic batch axis.",
            {"kind": "onnx", "file": "fsq-codes-batch.encoder.onnx", "inputName": "image", "outputName": "indices", "output": "codes"},
            {"config": {"type": "fsq", "levels": FSQ_LEVELS}},
            {"kind": "onnx", "file": "fsq-codes.decoder.onnx", "inputName": "indices", "outputName": "image", "input": "indices"}))

        for variant in ["fsq", "rvq", "fsq-codes", "fsq-batch", "fsq-codes-batch"]:
            per_image = {}
            for name, x in zip(names, images):
                if variant == "rvq":
                    z = rvq_enc(x)
                    _, d, h, w = z.shape
                    q, idx = rvq(z.permute(0, 2, 3, 1).reshape(-1, d))
                    q = q.reshape(1, h, w, d).permute(0, 3, 1, 2)
                    recon = rvq_dec(q)
                    tokens = idx.reshape(h, w, RVQ_LEVELS)
                else:
                    z = fsq_enc(x)
                    _, d, h, w = z.shape
                    codes = fsq.quantize(z.permute(0, 2, 3, 1))
                    idx = fsq.codes_to_indices(codes)  # [1, h, w]
                    # Cross-check the index basis: decoding the indices gives the codes back.
                    assert torch.equal(fsq.indices_to_codes(idx), codes)
                    recon = fsq_dec(codes.permute(0, 3, 1, 2))
                    if variant == "fsq-codes":
                        assert torch.equal(codes_enc(x), idx), "FSQ inside the graph disagrees"
                        assert torch.allclose(codes_dec(idx), recon, atol=1e-6)
                    tokens = idx.reshape(h, w, 1)
                if variant != "fsq" and variant.startswith("fsq"):
                    # Same weights as 'fsq': its tokens and reconstruction are the fsq entry's.
                    per_image[name] = {"sameAs": "fsq", "tokenShape": list(tokens.shape)}
                    continue
                per_image[name] = {
                    "latentShape": list(z.shape),
                    "latents": f32_b64(z),
                    "tokenShape": list(tokens.shape),
                    "tokens": tokens.reshape(-1).tolist(),
                    "distinctTokens": len(set(tokens.reshape(-1).tolist() if variant != "rvq" else map(tuple, tokens.reshape(-1, RVQ_LEVELS).tolist()))),
                    "reconstructionShape": list(recon.shape),
                    "reconstruction": f32_b64(recon),
                }
            expected["variants"][variant] = {"manifest": f"{variant}.manifest.json", "images": per_image}

    expected["fileSizes"] = sizes
    write_json(os.path.join(OUT, "expected.json"), expected, compact=True)
    for variant, v in expected["variants"].items():
        distinct = [im.get("distinctTokens") for im in v["images"].values()]
        print(f"{variant}: distinct tokens per image {distinct}")
    for name, size in sizes.items():
        print(f"{name}: {size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
