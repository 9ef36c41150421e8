/**
 * ONNX parity: mmtok must give PyTorch's tokens exactly and its reconstruction within 1e-4.
 * The fixture (models, PNGs, expected.json) is made by fixtures-src/make_onnx_fixture.py.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadQuantizer } from '@mmtok/core/node';
import { afterAll, describe, expect, it } from 'vitest';
import { type ImageTokenizer, loadTokenizer, type RgbImage, readImage } from '../src/index.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'onnx');
const TOLERANCE = 1e-4;

interface ImageEntry {
  latentShape: number[];
  latents: string;
  tokenShape: number[];
  tokens: number[];
  reconstructionShape: number[];
  reconstruction: string;
}
interface Expected {
  images: string[];
  variants: Record<string, { manifest: string; images: Record<string, ImageEntry | { sameAs: string }> }>;
}

const expected: Expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));

function floats(b64: string): Float32Array {
  const bytes = Buffer.from(b64, 'base64');
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

function entry(variant: string, image: string): ImageEntry {
  const e = expected.variants[variant].images[image];
  return 'sameAs' in e ? entry(e.sameAs, image) : e;
}

/** x / 127.5 - 1 in float32, op by op as PyTorch computes it, NCHW. */
function pytorchNormalize(img: RgbImage): { data: Float32Array; shape: [1, 3, number, number] } {
  const { width: w, height: h } = img;
  const data = new Float32Array(3 * h * w);
  for (let c = 0; c < 3; c++) {
    for (let p = 0; p < h * w; p++) data[c * h * w + p] = Math.fround(Math.fround(img.data[p * 3 + c] / 127.5) - 1);
  }
  return { data, shape: [1, 3, h, w] };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const tokenizers: ImageTokenizer[] = [];
afterAll(async () => {
  for (const t of tokenizers) await t.dispose();
});

describe('ONNX parity with PyTorch', () => {
  for (const [variant, spec] of Object.entries(expected.variants)) {
    describe(variant, () => {
      let tokenizer: ImageTokenizer;
      it('loads from its manifest', async () => {
        tokenizer = await loadTokenizer(join(dir, spec.manifest));
        tokenizers.push(tokenizer);
      });

      for (const image of expected.images) {
        it(`${image}: tokens exactly, reconstruction within ${TOLERANCE}`, async () => {
          const want = entry(variant, image);
          const img = await readImage(join(dir, image));
          const tokens = await tokenizer.encodeTensor(pytorchNormalize(img));
          // A single level is laid out [h, w]; PyTorch's record is [h, w, levels].
          const [h, w, L] = want.tokenShape;
          expect(tokens.shape).toEqual(L === 1 ? [h, w] : [h, w, L]);
          expect(Array.from(tokens.indices)).toEqual(want.tokens);

          const recon = await tokenizer.decodeToTensor(tokens);
          expect(recon.shape).toEqual(want.reconstructionShape);
          const err = maxAbsDiff(recon.data, floats(want.reconstruction));
          console.log(
            `[onnx-parity] ${variant} ${image}: tokens equal, max |Δ reconstruction| = ${err.toExponential(2)}`,
          );
          expect(err).toBeLessThanOrEqual(TOLERANCE);
        });
      }

      it('encode(image) with the manifest preprocessing gives the same tokens', async () => {
        for (const image of expected.images) {
          const tokens = await tokenizer.encode(await readImage(join(dir, image)));
          expect(Array.from(tokens.indices), image).toEqual(entry(variant, image).tokens);
        }
      });
    });
  }

  // Localizes a failure: the ONNX encoder alone (through onnxruntime-node) gives PyTorch's latents.
  it('the exported encoders give PyTorch latents through onnxruntime-node', async () => {
    const ort = await import('onnxruntime-node');
    for (const variant of ['fsq', 'rvq']) {
      const session = await ort.InferenceSession.create(join(dir, `${variant}.encoder.onnx`));
      for (const image of expected.images) {
        const want = entry(variant, image);
        const x = pytorchNormalize(await readImage(join(dir, image)));
        const out = await session.run({ image: new ort.Tensor('float32', x.data, x.shape) });
        expect(out.latents.dims).toEqual(want.latentShape);
        expect(maxAbsDiff(out.latents.data as Float32Array, floats(want.latents)), `${variant} ${image}`).toBeLessThan(
          1e-5,
        );
      }
      await session.release();
    }
  });

  it("the RVQ codebook file written from Python loads with core's loadQuantizer and quantizes like PyTorch", async () => {
    const q = await loadQuantizer(join(dir, 'rvq.safetensors'), { expectType: 'rvq', expectDim: 8 });
    expect([q.codebookSize, q.numQuantizers]).toEqual([64, 4]);
    for (const image of expected.images) {
      const want = entry('rvq', image);
      const [, d, h, w] = want.latentShape;
      const nchw = floats(want.latents);
      const rows = new Float32Array(h * w * d);
      for (let c = 0; c < d; c++) for (let p = 0; p < h * w; p++) rows[p * d + c] = nchw[c * h * w + p];
      const idx = await q.encode({ data: rows, shape: [h * w, d] });
      expect(Array.from(idx.data), image).toEqual(want.tokens);
    }
  });
});
