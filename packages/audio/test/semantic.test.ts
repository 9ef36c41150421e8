/**
 * Semantic (encoder-only) audio tokenizers. The fixture (a HuBERT-like model in the Transformers.js
 * layout, two WAV clips, PyTorch's preprocessing and features, numpy's nearest codes over a fixed
 * codebook) is made by fixtures-src/make_semantic_models.py.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadQuantizer, OnnxFeatureModel, writeSemanticTokenizer } from '@mmtok/core/node';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type AudioTokenizer,
  audioFeatures,
  encodeAudioFile,
  loadAudioTokenizer,
  normalizeUtterance,
  readAudio,
  readAudioFeatureModel,
  trainSemanticAudioTokenizer,
  validateAudioManifest,
} from '../src/index.js';
import { errorCode, tempDir } from './helpers.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'semantic');
const modelDir = join(dir, 'hubert-like');
interface ClipRef {
  file: string;
  samples: number;
  frames: number;
  inputValues: string;
  features: string;
  codes: number[];
}
const ref: { dim: number; codebook: string; clips: ClipRef[] } = JSON.parse(
  readFileSync(join(dir, 'reference.json'), 'utf8'),
);
const f32 = (b64: string) => {
  const b = Buffer.from(b64, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

// Float32 conv + attention in onnxruntime vs PyTorch: summation order differs, nothing else.
const FEATURE_TOLERANCE = 1e-4;

describe('HuBERT-like feature model (Transformers.js layout)', () => {
  const modelFacts = tempDir();
  it('reads sampling rate, normalization and the conv geometry from the folder', async () => {
    expect(await readAudioFeatureModel(modelDir)).toEqual({
      sampleRate: 16000,
      normalize: true,
      hopLength: 320,
      receptiveField: 400,
    });
  });

  it('takes HuBERT’s geometry and do_normalize true when the files are silent, and refuses non-waveform inputs', async () => {
    const folder = modelFacts;
    writeFileSync(
      join(folder, 'preprocessor_config.json'),
      JSON.stringify({ do_normalize: false, sampling_rate: 24000 }),
    );
    expect(await readAudioFeatureModel(folder)).toEqual({
      sampleRate: 24000,
      normalize: false,
      hopLength: 320,
      receptiveField: 400,
    });
    // WavLM/wav2vec2 variants with another stack: hop = Π stride, r = 1 + Σ (k − 1)·Π earlier strides.
    writeFileSync(join(folder, 'config.json'), JSON.stringify({ conv_kernel: [10, 3, 3], conv_stride: [5, 2, 2] }));
    expect(await readAudioFeatureModel(folder)).toMatchObject({ hopLength: 20, receptiveField: 10 + 2 * 5 + 2 * 10 });
    writeFileSync(join(folder, 'preprocessor_config.json'), JSON.stringify({ feature_size: 80 }));
    expect(await errorCode(readAudioFeatureModel(folder))).toBe('MMTOK_MODEL');
  });

  it.each(ref.clips.map((c) => [c.file, c] as const))(
    '%s: preprocessing and features equal PyTorch/numpy',
    async (_, clip) => {
      const audio = await readAudio(join(dir, clip.file));
      expect(audio.length).toBe(clip.samples);
      const values = normalizeUtterance(audio.data);
      // Both sides compute in float64 and round once to float32.
      expect(maxAbsDiff(values, f32(clip.inputValues))).toBeLessThanOrEqual(1e-6);
      const model = await OnnxFeatureModel.load(join(modelDir, 'onnx', 'model.onnx'), {
        inputName: 'input_values',
        outputName: 'last_hidden_state',
        inputRank: 2,
      });
      try {
        const f = await audioFeatures(model, audio.data, await readAudioFeatureModel(modelDir));
        expect([f.rows, f.dim]).toEqual([clip.frames, ref.dim]);
        expect(maxAbsDiff(f.data, f32(clip.features))).toBeLessThanOrEqual(FEATURE_TOLERANCE);
      } finally {
        await model.dispose();
      }
    },
  );
});

describe('semantic audio manifest', () => {
  const good = JSON.parse(readFileSync(join(dir, 'units.manifest.json'), 'utf8'));
  const key = (m: unknown) => {
    try {
      validateAudioManifest(m);
    } catch (e) {
      return [(e as { code: string }).code, (e as { details?: { key?: string } }).details?.key];
    }
    return undefined;
  };
  it('has no decoder, needs a quantizer, and its hop must match the frame rate', () => {
    expect(key(good)).toBeUndefined();
    expect(key({ ...good, decoder: { kind: 'linear-frame-inverse' } })).toEqual(['MMTOK_MANIFEST', 'manifest.decoder']);
    const { quantizer: _q, ...noQuantizer } = good;
    expect(key(noQuantizer)).toEqual(['MMTOK_MANIFEST', 'manifest.quantizer']);
    expect(key({ ...good, encoder: { ...good.encoder, hopLength: 160 } })).toEqual([
      'MMTOK_MANIFEST',
      'manifest.encoder.hopLength',
    ]);
    expect(key({ ...good, encoder: { ...good.encoder, normalize: 'yes' } })).toEqual([
      'MMTOK_MANIFEST',
      'manifest.encoder.normalize',
    ]);
  });
});

describe('semantic audio tokenizer with a given codebook', () => {
  const out = tempDir();
  let tok: AudioTokenizer;
  afterAll(() => tok?.dispose());

  it('gives numpy’s nearest codes for every frame, without padding the clip', async () => {
    // The committed manifest (the schema test checks it too), its files written beside it.
    const manifest = JSON.parse(readFileSync(join(dir, 'units.manifest.json'), 'utf8'));
    await writeSemanticTokenizer(out, {
      modelDir,
      modelFile: 'onnx/model.onnx',
      quantizer: await loadQuantizer(join(dir, ref.codebook)),
      manifest,
    });
    tok = await loadAudioTokenizer(out);
    for (const clip of ref.clips) {
      const tokens = await tok.encode(await readAudio(join(dir, clip.file)));
      expect(tokens.shape).toEqual([1, clip.frames]);
      expect(Array.from(tokens.indices)).toEqual(clip.codes);
    }
  });

  it('encodes a file in one piece, whatever the streaming chunk size (per-utterance normalization)', async () => {
    const clip = ref.clips[0];
    const tokens = await encodeAudioFile(tok, join(dir, clip.file), { chunkSeconds: 0.25 });
    expect(tokens.shape).toEqual([1, clip.frames]);
    expect(Array.from(tokens.indices)).toEqual(clip.codes);
  });

  it('refuses to decode with MMTOK_NO_DECODER', async () => {
    const tokens = await tok.encode(await readAudio(join(dir, ref.clips[0].file)));
    await expect(tok.decode(tokens)).rejects.toMatchObject({
      code: 'MMTOK_NO_DECODER',
      message: expect.stringContaining('no decoder'),
    });
  });

  it('rejects a clip shorter than one receptive field', async () => {
    const short = { data: new Float32Array(399), channels: 1, sampleRate: 16000, length: 399 };
    expect(await errorCode(tok.encode(short))).toBe('MMTOK_EMPTY');
  });
});

const hasEspeak = spawnSync('espeak-ng', ['--version']).status === 0;
if (!hasEspeak && process.env.CI === 'true') throw new Error('CI=true but espeak-ng is not installed');

describe.skipIf(!hasEspeak)('trainSemanticAudioTokenizer on synthetic speech', () => {
  const root = tempDir();
  const speech = join(root, 'speech');
  mkdirSync(speech);
  const lines = [
    'The birch canoe slid on the smooth planks.',
    'Glue the sheet to the dark blue background.',
    'It is easy to tell the depth of a well.',
    'These days a chicken leg is a rare dish.',
  ];
  const say = (text: string, file: string, voice = 'en') => execFileSync('espeak-ng', ['-v', voice, '-w', file, text]);

  it('fits k-means units over the model’s features and encodes a held-out clip', async () => {
    lines.forEach((text, i) => {
      say(text, join(speech, `line-${i}.wav`));
    });
    const heldOut = join(root, 'held-out.wav');
    say('A large size in stockings is hard to sell.', heldOut, 'en-us');
    const outDir = join(root, 'units');
    const r = await trainSemanticAudioTokenizer(
      lines.map((_, i) => join(speech, `line-${i}.wav`)),
      { model: modelDir, outDir, codebookSize: 16, seed: 7 },
    );
    const manifest = JSON.parse(readFileSync(r.manifestPath, 'utf8'));
    expect(manifest.decoder).toBeUndefined();
    expect(manifest.encoder).toMatchObject({ kind: 'features', source: modelDir, hopLength: 320 });
    const level = r.health.perLevel[0];
    expect(level.used + level.dead.count).toBe(16);
    expect(level.perplexity).toBeGreaterThan(2);
    expect(r.health.rows).toBe(r.frames);

    const tok = await loadAudioTokenizer(outDir);
    try {
      const audio = await readAudio(heldOut, { sampleRate: 16000, channels: 1 });
      const tokens = await tok.encode(audio);
      expect(tokens.shape).toEqual([1, Math.floor((audio.length - 400) / 320) + 1]);
      expect(tokens.indices.every((i) => i >= 0 && i < 16)).toBe(true);
      expect(new Set(tokens.indices).size).toBeGreaterThan(1);
    } finally {
      await tok.dispose();
    }
  });
});
