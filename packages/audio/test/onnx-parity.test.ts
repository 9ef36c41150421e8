/**
 * ONNX codec parity: mmtok must give PyTorch's tokens exactly and its reconstruction within 1e-4.
 * The fixture (models, WAV clips, expected.json) is made by fixtures-src/make_onnx_fixture.py.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMmtokError } from '@mmtok/core';
import { loadQuantizer } from '@mmtok/core/node';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type AudioTokenizer,
  type CodecAudio,
  type CodecScale,
  loadAudioTokenizer,
  OnnxAudioCodec,
  type OnnxAudioCodecOptions,
  readAudio,
} from '../src/index.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'onnx');
const TOLERANCE = 1e-4;

interface ClipEntry {
  samples: number;
  tokenShape: number[];
  tokens: number[];
  scales?: CodecScale[];
  reconstructionShape: number[];
  reconstruction: string;
  levelSelection?: { levels: number; reconstruction: string };
}
interface Expected {
  sampleRate: number;
  clips: string[];
  levelSelection: { clip: string; levels: number };
  variants: Record<string, { manifest: string; clips: Record<string, ClipEntry> }>;
}

const expected: Expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));

function floats(b64: string): Float32Array {
  const bytes = Buffer.from(b64, 'base64');
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

/** Mono 16-bit PCM WAV → int16 / 32768, the samples PyTorch read (a reader independent of readAudio). */
function readClip(name: string): CodecAudio {
  const bytes = readFileSync(join(dir, name));
  let at = 12;
  while (at + 8 <= bytes.length) {
    const id = bytes.toString('ascii', at, at + 4);
    const size = bytes.readUInt32LE(at + 4);
    if (id === 'data') {
      const n = size / 2;
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = bytes.readInt16LE(at + 8 + 2 * i) / 32768;
      return { data, channels: 1, length: n };
    }
    at += 8 + size + (size & 1);
  }
  throw new Error(`${name}: no data chunk`);
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** The codec a fixture manifest describes, built with this module's own API. */
async function codecFor(manifestFile: string, overrides: Partial<OnnxAudioCodecOptions> = {}): Promise<OnnxAudioCodec> {
  const m = JSON.parse(readFileSync(join(dir, manifestFile), 'utf8'));
  const quantizer = m.quantizer?.file ? await loadQuantizer(join(dir, m.quantizer.file)) : undefined;
  return OnnxAudioCodec.load({
    encoder: { ...m.encoder, file: join(dir, m.encoder.file) },
    decoder: { ...m.decoder, file: join(dir, m.decoder.file) },
    quantizer,
    sampleRate: m.preprocessing.sampleRate,
    channels: m.preprocessing.channels,
    hopLength: Math.round(m.preprocessing.sampleRate / m.tokens.frameRate),
    ...overrides,
  });
}

const codecs: OnnxAudioCodec[] = [];
async function open(variant: string): Promise<OnnxAudioCodec> {
  const c = await codecFor(expected.variants[variant].manifest);
  codecs.push(c);
  return c;
}
const tokenizers = new Map<string, AudioTokenizer>();
/** The public path: manifest → loadAudioTokenizer (which builds the ONNX codec). */
async function tokenizer(variant: string): Promise<AudioTokenizer> {
  let t = tokenizers.get(variant);
  if (!t) {
    t = await loadAudioTokenizer(join(dir, expected.variants[variant].manifest));
    tokenizers.set(variant, t);
  }
  return t;
}
afterAll(async () => {
  for (const c of codecs) await c.dispose();
  for (const t of tokenizers.values()) await t.dispose();
});

async function expectError(p: Promise<unknown>, code: string, ...patterns: RegExp[]): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isMmtokError(e, code), String(e)).toBe(true);
  for (const re of patterns) expect((e as Error).message).toMatch(re);
}

describe('ONNX audio codec parity with PyTorch (loadAudioTokenizer + readAudio)', () => {
  for (const [variant, spec] of Object.entries(expected.variants)) {
    describe(variant, () => {
      for (const clip of expected.clips) {
        it(`${clip}: tokens exactly, reconstruction within ${TOLERANCE}`, async () => {
          const t = await tokenizer(variant);
          const want = spec.clips[clip];
          const audio = await readAudio(join(dir, clip));
          expect([audio.sampleRate, audio.channels, audio.length]).toEqual([expected.sampleRate, 1, want.samples]);
          expect(audio.data).toEqual(readClip(clip).data);
          const tokens = await t.encode(audio);
          expect(tokens.shape).toEqual(want.tokenShape);
          expect(Array.from(tokens.indices)).toEqual(want.tokens);
          expect(tokens.source.samples).toBe(want.samples);
          expect(tokens.source.scales).toEqual(want.scales);

          const recon = await t.decode(tokens);
          expect([1, recon.channels, recon.length]).toEqual(want.reconstructionShape);
          expect(recon.sampleRate).toBe(expected.sampleRate);
          const err = maxAbsDiff(recon.data, floats(want.reconstruction));
          console.log(
            `[onnx-parity] ${variant} ${clip}: tokens equal, max |Δ reconstruction| = ${err.toExponential(2)}`,
          );
          expect(err).toBeLessThanOrEqual(TOLERANCE);
        });
      }

      it("the codec's own API gives the same tokens and reconstruction", async () => {
        const codec = await open(variant);
        for (const clip of expected.clips) {
          const want = spec.clips[clip];
          const tokens = await codec.encodeAudio(readClip(clip));
          expect(tokens.shape, clip).toEqual(want.tokenShape);
          expect(Array.from(tokens.indices), clip).toEqual(want.tokens);
          expect(tokens.scales, clip).toEqual(want.scales);
          const recon = await codec.decodeAudio(tokens, { samples: tokens.samples });
          expect(maxAbsDiff(recon.data, floats(want.reconstruction)), clip).toBeLessThanOrEqual(TOLERANCE);
        }
      });
    });
  }
});

describe('level selection (bitrate)', () => {
  const { clip, levels } = expected.levelSelection;
  for (const variant of ['latents', 'codes']) {
    it(`${variant}: the first ${levels} levels give PyTorch's ${levels}-level reconstruction`, async () => {
      const t = await tokenizer(variant);
      const want = expected.variants[variant].clips[clip];
      const audio = await readAudio(join(dir, clip));
      expect(t.levels).toBe(4);
      const frames = want.tokenShape[1];
      const low = await t.encode(audio, { levels });
      expect(low.shape).toEqual([levels, frames]);
      // Levels-major: the first rows of the full encode.
      expect(Array.from(low.indices)).toEqual(want.tokens.slice(0, levels * frames));

      const recon = await t.decode(low);
      const err = maxAbsDiff(recon.data, floats(want.levelSelection!.reconstruction));
      console.log(`[onnx-parity] ${variant} ${clip} ${levels} levels: max |Δ| = ${err.toExponential(2)}`);
      expect(err).toBeLessThanOrEqual(TOLERANCE);
      // The coarser reconstruction really differs from the full one.
      expect(maxAbsDiff(recon.data, floats(want.reconstruction))).toBeGreaterThan(1e-3);

      // The codec API: dropping levels at decode time is the same as encoding fewer.
      const codec = await open(variant);
      const full = await codec.encodeAudio(readClip(clip));
      const late = await codec.decodeAudio(full, { samples: audio.length, levels });
      expect(maxAbsDiff(late.data, recon.data)).toBe(0);
    });
  }

  it('rejects more levels than the codec has, or none', async () => {
    const codec = await open('codes');
    const audio = readClip(expected.clips[2]);
    await expectError(codec.encodeAudio(audio, { levels: 5 }), 'MMTOK_CONFIG', /levels 5 is more than the 4/);
    await expectError(codec.encodeAudio(audio, { levels: 0 }), 'MMTOK_CONFIG', /positive integer/);
  });
});

describe('padding to whole frames and trimming back', () => {
  it('an input that is not a multiple of the hop is zero-padded, and the output cut to its length', async () => {
    const codec = await open('latents');
    const clip = 'speech-b.wav';
    const audio = readClip(clip);
    expect(audio.length % codec.hopLength).not.toBe(0);
    const tokens = await codec.encodeAudio(audio);
    expect(tokens.paddedSamples).toBe(Math.ceil(audio.length / 320) * 320);
    expect(tokens.shape[1]).toBe(tokens.paddedSamples / 320);
    // Padding by hand gives the same tokens.
    const padded = new Float32Array(tokens.paddedSamples);
    padded.set(audio.data);
    const byHand = await codec.encodeAudio({ data: padded, channels: 1, length: padded.length });
    expect(byHand.indices).toEqual(tokens.indices);
    const recon = await codec.decodeAudio(tokens, { samples: audio.length });
    expect(recon.length).toBe(audio.length);
    // Untrimmed, the decoder's output covers the padded length.
    const untrimmed = await codec.decodeAudio(tokens);
    expect(untrimmed.length).toBe(tokens.paddedSamples);
    expect(untrimmed.data.subarray(0, audio.length)).toEqual(recon.data);
  });

  it('random lengths: frames = ceil(length / hop), output length = input length', async () => {
    const codec = await open('codes');
    for (let k = 0; k < 3; k++) {
      const n = 1 + Math.floor(Math.random() * 2000);
      const data = Float32Array.from({ length: n }, () => Math.random() * 0.2 - 0.1);
      const tokens = await codec.encodeAudio({ data, channels: 1, length: n });
      expect(tokens.shape, `length ${n}`).toEqual([4, Math.ceil(n / 320)]);
      expect((await codec.decodeAudio(tokens, { samples: n })).length).toBe(n);
    }
  });

  it('the multi-scale codec pads to its coarsest hop (640 samples)', async () => {
    const codec = await open('multiscale');
    const audio = readClip('chord.wav');
    expect(audio.length % 320).toBe(0);
    expect(audio.length % 640).not.toBe(0);
    const tokens = await codec.encodeAudio(audio);
    expect(tokens.paddedSamples).toBe(8320);
    expect(tokens.scales?.map((s) => s.frames)).toEqual([13, 26]);
  });

  it('refuses zero-length audio and a wrong channel count', async () => {
    const codec = await open('codes');
    await expectError(codec.encodeAudio({ data: new Float32Array(0), channels: 1, length: 0 }), 'MMTOK_EMPTY');
    await expectError(
      codec.encodeAudio({ data: new Float32Array(640), channels: 2, length: 320 }),
      'MMTOK_SHAPE',
      /1 channel/,
    );
  });
});

describe('multi-scale layout', () => {
  it("tokens are the scales' [levels, frames] blocks concatenated, coarsest first, with source scales", async () => {
    const codec = await open('multiscale');
    expect(codec.multiScale).toBe(true);
    expect(codec.scaleStructure).toEqual([
      { levels: 1, framesPerHop: 1 },
      { levels: 1, framesPerHop: 2 },
    ]);
    const audio = readClip('speech-a.wav');
    const tokens = await codec.encodeAudio(audio);
    expect(tokens.scales).toEqual([
      { levels: 1, frames: 25, frameRate: 25 },
      { levels: 1, frames: 50, frameRate: 50 },
    ]);
    expect(tokens.shape).toEqual([1, 75]);
    expect(tokens.frameRate).toBe(50);

    // The blocks are exactly the encoder's two outputs.
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(join(dir, 'multiscale.encoder.onnx'));
    const out = await session.run({ input_values: new ort.Tensor('float32', audio.data, [1, 1, audio.length]) });
    await session.release();
    const coarse = Array.from(out['audio_codes.0'].data as BigInt64Array, Number);
    const fine = Array.from(out['audio_codes.1'].data as BigInt64Array, Number);
    expect(Array.from(tokens.indices)).toEqual([...coarse, ...fine]);
  });

  it('decodes without source.scales from the probed structure, and refuses scales that do not fit', async () => {
    const codec = await open('multiscale');
    const audio = readClip('chord.wav');
    const tokens = await codec.encodeAudio(audio);
    const withScales = await codec.decodeAudio(tokens, { samples: audio.length });
    const without = await codec.decodeAudio(
      { indices: tokens.indices, shape: tokens.shape },
      { samples: audio.length },
    );
    expect(without.data).toEqual(withScales.data);
    await expectError(
      codec.decodeAudio({
        indices: tokens.indices,
        shape: tokens.shape,
        scales: [
          { levels: 1, frames: 12, frameRate: 25 },
          { levels: 1, frames: 26, frameRate: 50 },
        ],
      }),
      'MMTOK_SHAPE',
    );
    await expectError(
      codec.decodeAudio({ indices: tokens.indices.subarray(1), shape: [1, tokens.indices.length - 1] }),
      'MMTOK_SHAPE',
      /source\.scales/,
    );
  });
});

describe('models that do not match the manifest', () => {
  it('a wrong input name fails with MMTOK_MODEL listing every input name, dtype and dims', async () => {
    await expectError(
      codecFor('codes.manifest.json', {
        encoder: {
          file: join(dir, 'codes.encoder.onnx'),
          inputName: 'audio',
          outputName: 'audio_codes',
          output: 'codes',
        },
      }),
      'MMTOK_MODEL',
      /'audio'/,
      /input_values float32 \[batch, 1, samples\]/,
      /audio_codes int64 \[batch, levels, frames\]/,
    );
  });

  it('codes where the manifest says latents, and a channel count the model does not take', async () => {
    await expectError(
      codecFor('latents.manifest.json', {
        encoder: {
          file: join(dir, 'codes.encoder.onnx'),
          inputName: 'input_values',
          outputName: 'audio_codes',
          output: 'latents',
        },
      }),
      'MMTOK_MODEL',
      /'audio_codes' is int64, expected float32/,
    );
    await expectError(codecFor('codes.manifest.json', { channels: 2 }), 'MMTOK_MODEL', /takes 1 channel/);
  });

  it('an execution provider this onnxruntime build does not have fails with MMTOK_BACKEND', async () => {
    await expectError(
      codecFor('codes.manifest.json', { executionProviders: ['no-such-ep'] }),
      'MMTOK_BACKEND',
      /no-such-ep/,
    );
  });

  it('a decoder whose inputs the manifest does not all name', async () => {
    await expectError(
      codecFor('multiscale.manifest.json', {
        encoder: {
          file: join(dir, 'multiscale.encoder.onnx'),
          inputName: 'input_values',
          outputName: 'audio_codes.0',
          output: 'codes',
        },
        decoder: {
          file: join(dir, 'multiscale.decoder.onnx'),
          inputName: 'audio_codes.0',
          outputName: 'audio_values',
          input: 'codes',
        },
      }),
      'MMTOK_MODEL',
      /'audio_codes\.1' are not named in the manifest/,
      /audio_codes\.0 int64 \[batch, frames0\]/,
    );
  });
});
