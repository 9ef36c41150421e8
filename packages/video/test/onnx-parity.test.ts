/**
 * ONNX video parity: mmtok must give PyTorch's tokens exactly and its reconstruction within 1e-4,
 * with the same causal grouping (first frame alone, then groups of T; last group padded by
 * repeating the last frame; spatial edge padding to the size multiple, trimmed on decode).
 * The fixture (models, PNG frames, expected.json) is made by fixtures-src/make_onnx_fixture.py.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AnyQuantizer, createQuantizer, isMmtokError } from '@mmtok/core';
import { loadQuantizer } from '@mmtok/core/node';
import { readImage } from '@mmtok/image';
import { afterAll, describe, expect, it } from 'vitest';
import { loadVideoTokenizer } from '../src/index.js';
import { readVideoManifest } from '../src/manifest.js';
import {
  groupSizes,
  latentSteps,
  loadOnnxVideoModel,
  OnnxVideoModel,
  onnxVideoOptionsFromManifest,
  type VideoTensor,
} from '../src/onnx-video.js';
import type { FrameGroup } from '../src/types.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'onnx');
const TOLERANCE = 1e-4;

interface ClipEntry {
  groups: number;
  latentShape: number[];
  latents: string;
  tokenShape: number[];
  tokens: number[];
  reconstructionShape: number[];
  reconstruction: string;
}
interface Expected {
  clips: Record<string, { frames: string[]; width: number; height: number }>;
  variants: Record<
    string,
    { manifest: string; temporalCompression: number; clips: Record<string, ClipEntry | { sameAs: string }> }
  >;
}

const expected: Expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));

function floats(b64: string): Float32Array {
  const bytes = Buffer.from(b64, 'base64');
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

function entry(variant: string, clip: string): ClipEntry {
  const e = expected.variants[variant].clips[clip];
  return 'sameAs' in e ? entry(e.sameAs, clip) : e;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const frameCache = new Map<string, Uint8Array[]>();
async function clipFrames(clip: string): Promise<Uint8Array[]> {
  let frames = frameCache.get(clip);
  if (!frames) {
    frames = [];
    for (const f of expected.clips[clip].frames) frames.push((await readImage(join(dir, f))).data);
    frameCache.set(clip, frames);
  }
  return frames;
}

/** x / 127.5 - 1 in float32, op by op as PyTorch computes it, [1, 3, N, H, W]. */
async function pytorchTensor(clip: string, count?: number): Promise<VideoTensor> {
  const { width: w, height: h } = expected.clips[clip];
  const frames = (await clipFrames(clip)).slice(0, count);
  const n = frames.length;
  const plane = w * h;
  const data = new Float32Array(3 * n * plane);
  frames.forEach((px, f) => {
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < plane; p++)
        data[(c * n + f) * plane + p] = Math.fround(Math.fround(px[p * 3 + c] / 127.5) - 1);
    }
  });
  return { data, shape: [1, 3, n, h, w] };
}

async function* stream(clip: string, perGroup: number): AsyncGenerator<FrameGroup> {
  const { width, height } = expected.clips[clip];
  const frames = await clipFrames(clip);
  for (let i = 0; i < frames.length; i += perGroup) {
    yield { frames: frames.slice(i, i + perGroup), width, height, firstFrame: i };
  }
}

async function manifestQuantizer(path: string): Promise<AnyQuantizer | undefined> {
  const { manifest, dir: base } = await readVideoManifest(path);
  if (manifest.quantizer?.file) return loadQuantizer(join(base, manifest.quantizer.file));
  return manifest.quantizer?.config ? createQuantizer(manifest.quantizer.config) : undefined;
}

async function modelFor(variant: string, extra: { executionProviders?: string[] } = {}): Promise<OnnxVideoModel> {
  const path = join(dir, expected.variants[variant].manifest);
  const { manifest, dir: base } = await readVideoManifest(path);
  return loadOnnxVideoModel(manifest, base, path, { quantizer: await manifestQuantizer(path), ...extra });
}

const models: OnnxVideoModel[] = [];
afterAll(async () => {
  for (const m of models) await m.dispose();
});

describe('ONNX video parity with PyTorch', () => {
  for (const [variant, spec] of Object.entries(expected.variants)) {
    describe(variant, () => {
      let model: OnnxVideoModel;
      it('loads from its manifest', async () => {
        model = await modelFor(variant);
        models.push(model);
        expect(model.temporalCompression).toBe(spec.temporalCompression);
        expect(model.causal).toBe(true);
      });

      for (const clip of Object.keys(expected.clips)) {
        it(`${clip}: tokens exactly, reconstruction within ${TOLERANCE}`, async () => {
          const want = entry(variant, clip);
          const x = await pytorchTensor(clip);
          const tokens = await model.encodeTensor(x);
          expect(tokens.shape).toEqual(want.tokenShape);
          expect(Array.from(tokens.indices)).toEqual(want.tokens);

          const recon = await model.decodeToTensor(tokens, tokens);
          expect(recon.shape).toEqual(want.reconstructionShape);
          expect(recon.shape).toEqual(x.shape);
          const err = maxAbsDiff(recon.data, floats(want.reconstruction));
          console.log(
            `[onnx-video-parity] ${variant} ${clip}: tokens equal, max |Δ reconstruction| = ${err.toExponential(2)}`,
          );
          expect(err).toBeLessThanOrEqual(TOLERANCE);
        });
      }

      it('loadVideoTokenizer: encode(frame groups) gives the same tokens; decode gives the frames back', async () => {
        const tokenizer = await loadVideoTokenizer(join(dir, spec.manifest));
        try {
          expect(tokenizer.kind).toBe('onnx');
          expect([tokenizer.temporalPatch, tokenizer.causal]).toEqual([spec.temporalCompression, true]);
          for (const clip of Object.keys(expected.clips)) {
            const want = entry(variant, clip);
            const { width, height, frames } = expected.clips[clip];
            // Groups of 3 frames do not line up with the causal groups: the tokenizer regroups them.
            const tokens = await tokenizer.encode(stream(clip, 3), { fps: 8 });
            expect(tokens.shape, clip).toEqual(want.tokenShape);
            expect(Array.from(tokens.indices), clip).toEqual(want.tokens);
            expect(tokens.source).toMatchObject({ width, height, frames: frames.length, fps: 8 });

            const out: FrameGroup[] = [];
            for await (const g of tokenizer.decode(tokens)) out.push(g);
            // One group per token step: the first frame, then T frames each, the padding trimmed.
            expect(
              out.map((g) => g.frames.length),
              clip,
            ).toEqual(groupSizes(frames.length, spec.temporalCompression));
            const ref = floats(want.reconstruction);
            const plane = width * height;
            const N = frames.length;
            let worst = 0;
            for (const g of out) {
              expect([g.width, g.height]).toEqual([width, height]);
              g.frames.forEach((px, k) => {
                const f = g.firstFrame + k;
                for (let c = 0; c < 3; c++) {
                  for (let p = 0; p < plane; p++) {
                    const v = Math.min(255, Math.max(0, Math.round(ref[(c * N + f) * plane + p] * 127.5 + 127.5)));
                    worst = Math.max(worst, Math.abs(px[p * 3 + c] - v));
                  }
                }
              });
            }
            // PyTorch's reconstruction in 8 bits: rounding may differ by one where both straddle a .5.
            expect(worst, clip).toBeLessThanOrEqual(1);
          }
        } finally {
          await tokenizer.dispose();
        }
      });
    });
  }

  it('causal grouping: first frame alone, then groups of T; token steps 1 + ceil((N − 1) / T)', () => {
    expect(groupSizes(9, 4)).toEqual([1, 4, 4]);
    expect(groupSizes(7, 4)).toEqual([1, 4, 2]);
    expect(groupSizes(6, 2)).toEqual([1, 2, 2, 1]);
    expect(groupSizes(1, 4)).toEqual([1]);
    expect(groupSizes(8, 4, false)).toEqual([4, 4]);
    for (const [variant, v] of Object.entries(expected.variants)) {
      for (const [clip, c] of Object.entries(expected.clips)) {
        const want = entry(variant, clip);
        const T = v.temporalCompression;
        expect(want.tokenShape[0], `${variant} ${clip}`).toBe(latentSteps(c.frames.length, T));
        expect(want.groups, `${variant} ${clip}`).toBe(groupSizes(c.frames.length, T).length);
        // 4× spatial compression after edge padding to a multiple of 4.
        expect(want.tokenShape.slice(1, 3)).toEqual([Math.ceil(c.height / 4), Math.ceil(c.width / 4)]);
      }
    }
  });

  it('an odd frame count pads the last group by repeating the last frame and trims it on decode', async () => {
    const model = await modelFor('fsq');
    models.push(model);
    const x = await pytorchTensor('pattern'); // 7 frames, T = 4: groups 1 + 4 + 2
    const [, C, N, H, W] = x.shape;
    expect(N % 2).toBe(1);
    // The same clip with its last frame repeated up to a whole group gives the same tokens.
    const padded = new Float32Array(C * (N + 2) * H * W);
    for (let c = 0; c < C; c++) {
      for (let f = 0; f < N + 2; f++) {
        const src = (c * N + Math.min(f, N - 1)) * H * W;
        padded.set(x.data.subarray(src, src + H * W), (c * (N + 2) + f) * H * W);
      }
    }
    const a = await model.encodeTensor(x);
    const b = await model.encodeTensor({ data: padded, shape: [1, C, N + 2, H, W] });
    expect(b.shape).toEqual(a.shape);
    expect(Array.from(b.indices)).toEqual(Array.from(a.indices));

    const full = await model.decodeToTensor(a, { frames: N + 2, width: W, height: H });
    const trimmed = await model.decodeToTensor(a, a);
    expect(trimmed.shape).toEqual([1, C, N, H, W]);
    for (let c = 0; c < C; c++) {
      const got = trimmed.data.subarray(c * N * H * W, (c + 1) * N * H * W);
      const ref = full.data.subarray(c * (N + 2) * H * W, (c * (N + 2) + N) * H * W);
      expect(maxAbsDiff(got, ref)).toBe(0);
    }
    // Frames the tokens cannot hold are refused.
    await expect(model.decodeToTensor(a, { frames: 5, width: W, height: H })).rejects.toMatchObject({
      code: 'MMTOK_MISMATCH',
    });
  });

  // Localizes a failure: the ONNX encoder alone (through onnxruntime-node) gives PyTorch's latents.
  it('the exported encoders give PyTorch latents through onnxruntime-node, group by group', async () => {
    const ort = await import('onnxruntime-node');
    for (const variant of ['fsq', 'rvq']) {
      const T = expected.variants[variant].temporalCompression;
      const session = await ort.InferenceSession.create(join(dir, `${variant}.encoder.onnx`));
      const want = entry(variant, 'pan');
      const x = await pytorchTensor('pan'); // 32×32: no spatial padding
      const [, C, N, H, W] = x.shape;
      const plane = H * W;
      const steps: Float32Array[] = [];
      let start = 0;
      for (const n of groupSizes(N, T)) {
        const g = new Float32Array(C * n * plane);
        for (let c = 0; c < C; c++)
          g.set(x.data.subarray((c * N + start) * plane, (c * N + start + n) * plane), c * n * plane);
        const out = await session.run({ video: new ort.Tensor('float32', g, [1, C, n, H, W]) });
        expect(out.latents.dims.slice(2)).toEqual([1, ...want.latentShape.slice(3)]);
        steps.push(out.latents.data as Float32Array);
        start += n;
      }
      // PyTorch's latents are [1, D, t, h, w]: interleave the steps per channel.
      const [, D, t, h, w] = want.latentShape;
      const got = new Float32Array(D * t * h * w);
      for (let c = 0; c < D; c++) {
        for (let k = 0; k < t; k++) got.set(steps[k].subarray(c * h * w, (c + 1) * h * w), (c * t + k) * h * w);
      }
      expect(maxAbsDiff(got, floats(want.latents)), variant).toBeLessThan(1e-5);
      await session.release();
    }
  });

  it("the RVQ codebook file written from Python loads with core's loadQuantizer and quantizes like PyTorch", async () => {
    const q = await loadQuantizer(join(dir, 'rvq.safetensors'), { expectType: 'rvq', expectDim: 8 });
    expect([q.codebookSize, q.numQuantizers]).toEqual([64, 4]);
    for (const clip of Object.keys(expected.clips)) {
      const want = entry('rvq', clip);
      const [, d, t, h, w] = want.latentShape;
      const P = t * h * w;
      const src = floats(want.latents);
      const rows = new Float32Array(P * d);
      for (let c = 0; c < d; c++) for (let p = 0; p < P; p++) rows[p * d + c] = src[c * P + p];
      const idx = await q.encode({ data: rows, shape: [P, d] });
      expect(Array.from(idx.data), clip).toEqual(want.tokens);
    }
  });

  it('model/manifest mismatches fail with MMTOK_MODEL naming the tensors, dtypes and dims', async () => {
    const path = join(dir, 'fsq.manifest.json');
    const { manifest, dir: base } = await readVideoManifest(path);
    const opts = onnxVideoOptionsFromManifest(manifest, base, path);
    const quantizer = await manifestQuantizer(path);
    const fail = async (o: Parameters<typeof OnnxVideoModel.load>[0], code: string, pattern: RegExp) => {
      try {
        const m = await OnnxVideoModel.load(o);
        await m.dispose();
      } catch (e) {
        expect(isMmtokError(e, code), String(e)).toBe(true);
        expect((e as Error).message).toMatch(pattern);
        return;
      }
      throw new Error('expected a failure');
    };
    // A wrong input name: the message lists what the model has.
    await fail(
      { ...opts, quantizer, encoder: { ...opts.encoder!, inputName: 'image' } },
      'MMTOK_MODEL',
      /video float32 \[/,
    );
    // Latents declared as codes.
    await fail(
      { ...opts, quantizer, encoder: { ...opts.encoder!, output: 'codes' } },
      'MMTOK_MODEL',
      /latents' is float32/,
    );
    // A quantizer whose dim does not match the latents.
    const q8 = await loadQuantizer(join(dir, 'rvq.safetensors'));
    await fail({ ...opts, quantizer: q8 }, 'MMTOK_MODEL', /channel/);
    // An execution provider this build does not have.
    await fail({ ...opts, quantizer, executionProviders: ['no-such-ep'] }, 'MMTOK_BACKEND', /available/);

    // A frame tensor of the wrong rank is refused before it reaches the model.
    const model = await OnnxVideoModel.load({ ...opts, quantizer });
    models.push(model);
    await expect(
      model.encodeGroup({ data: new Float32Array(3 * 8 * 8), shape: [1, 3, 8, 8] }, true),
    ).rejects.toMatchObject({
      code: 'MMTOK_SHAPE',
    });
  });
});
