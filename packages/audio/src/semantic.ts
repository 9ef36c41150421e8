/**
 * Semantic (representation) audio tokenizers: an encoder-only ONNX speech model (HuBERT, wav2vec2,
 * WavLM exports: `input_values` float32 [1, T] → `last_hidden_state` [1, T', D]) whose feature
 * frames are quantized by a codebook `mmtok train` fits with k-means — "HuBERT units". There is no
 * decoder: decode fails with MMTOK_NO_DECODER.
 */
import { resolve } from 'node:path';
import type { AnyQuantizer } from '@mmtok/core';
import { type ManifestChecker, MmtokError } from '@mmtok/core';
import {
  checkFeatureEncoder,
  FEATURE_ENCODER_KEYS,
  type FeatureEncoderSpec,
  loadFeatureProjection,
  noDecoderError,
  OnnxFeatureModel,
  readModelJson,
} from '@mmtok/core/node';
import type { AudioCodec, CodecLoadOptions, Codes } from './codec.js';

/** The 'features' encoder entry of an audio manifest. */
export interface FeatureAudioEncoderSpec extends FeatureEncoderSpec {
  /** Wav2Vec2FeatureExtractor's do_normalize: each clip to zero mean, unit variance before the model. */
  normalize: boolean;
  /** Samples between output frames (the product of the conv strides; 320 for HuBERT). */
  hopLength: number;
  /** Samples the first output frame sees (400 for HuBERT): T samples give ⌊(T − r) / hop⌋ + 1 frames. */
  receptiveField: number;
}

/** Validates a 'features' encoder entry of an audio manifest (called by validateAudioManifest). */
export function checkFeatureAudioEncoder(c: ManifestChecker, enc: unknown, hop: number): void {
  const e = c.object(
    enc,
    'manifest.encoder',
    [...FEATURE_ENCODER_KEYS.required, 'normalize', 'hopLength', 'receptiveField'],
    [...FEATURE_ENCODER_KEYS.optional],
  );
  checkFeatureEncoder(c, e);
  if (typeof e.normalize !== 'boolean') c.fail('manifest.encoder.normalize', 'must be true or false');
  const H = c.int(e.hopLength, 'manifest.encoder.hopLength', 1, 1 << 16);
  c.int(e.receptiveField, 'manifest.encoder.receptiveField', 1, 1 << 20);
  if (H !== Math.round(hop)) c.fail('manifest.encoder.hopLength', `must equal sampleRate / tokens.frameRate = ${hop}`);
}

/** What a feature model folder's config.json and preprocessor_config.json say about its audio. */
export interface AudioFeatureModelFacts {
  sampleRate: number;
  normalize: boolean;
  hopLength: number;
  receptiveField: number;
}

function intList(v: unknown, what: string, path: string): number[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => Number.isInteger(x) && x >= 1 && x <= 4096)) {
    throw new MmtokError('MMTOK_MODEL', `${path}: ${what} must be a list of positive integers`, { path });
  }
  return v as number[];
}

/**
 * Reads the facts mmtok needs from a model folder: sampling_rate and do_normalize as
 * Wav2Vec2FeatureExtractor has them (defaults 16000 and true), and the frame geometry from
 * config.json's conv_kernel / conv_stride (HuBERT's defaults when absent).
 */
export async function readAudioFeatureModel(dir: string): Promise<AudioFeatureModelFacts> {
  const config = (await readModelJson(dir, 'config.json')) ?? {};
  const pre = (await readModelJson(dir, 'preprocessor_config.json')) ?? {};
  const where = `${dir}/preprocessor_config.json`;
  if ((pre.feature_size ?? 1) !== 1) {
    throw new MmtokError('MMTOK_MODEL', `${where}: feature_size ${pre.feature_size} is not raw audio (1)`, {
      path: where,
    });
  }
  const sampleRate = pre.sampling_rate ?? 16000;
  if (!Number.isInteger(sampleRate) || (sampleRate as number) < 1000 || (sampleRate as number) > 768000) {
    throw new MmtokError('MMTOK_MODEL', `${where}: sampling_rate must be an integer in [1000, 768000]`, {
      path: where,
    });
  }
  const cfg = `${dir}/config.json`;
  const kernels = intList(config.conv_kernel, 'conv_kernel', cfg) ?? [10, 3, 3, 3, 3, 2, 2];
  const strides = intList(config.conv_stride, 'conv_stride', cfg) ?? [5, 2, 2, 2, 2, 2, 2];
  if (kernels.length !== strides.length) {
    throw new MmtokError('MMTOK_MODEL', `${cfg}: conv_kernel and conv_stride differ in length`, { path: cfg });
  }
  // Receptive field of a conv stack: r = 1 + Σ (k_i − 1) · Π_{j<i} s_j; hop = Π s_i.
  let hop = 1;
  let field = 1;
  kernels.forEach((k, i) => {
    field += (k - 1) * hop;
    hop *= strides[i];
  });
  return {
    sampleRate: sampleRate as number,
    normalize: pre.do_normalize === undefined ? true : pre.do_normalize === true,
    hopLength: hop,
    receptiveField: field,
  };
}

/** Wav2Vec2FeatureExtractor's zero-mean unit-variance normalization: (x − mean) / √(var + 1e-7), in float64. */
export function normalizeUtterance(x: Float32Array): Float32Array {
  const n = x.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i];
  mean /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (x[i] - mean) ** 2;
  const inv = 1 / Math.sqrt(v / n + 1e-7);
  return Float32Array.from(x, (s) => (s - mean) * inv);
}

/** The model's feature frames for mono samples at its rate: [frames, dim], normalized first if the model wants it. */
export async function audioFeatures(
  model: OnnxFeatureModel,
  samples: Float32Array,
  facts: Pick<AudioFeatureModelFacts, 'normalize' | 'receptiveField' | 'sampleRate'>,
): Promise<{ data: Float32Array; rows: number; dim: number }> {
  if (samples.length < facts.receptiveField) {
    throw new MmtokError(
      'MMTOK_EMPTY',
      `the audio has ${samples.length} samples; the feature model needs at least ${facts.receptiveField} (${((1000 * facts.receptiveField) / facts.sampleRate).toFixed(1)} ms) for one frame`,
    );
  }
  const x = facts.normalize ? normalizeUtterance(samples) : samples;
  return model.features(x, [1, x.length]);
}

export interface SemanticAudioCodecOptions extends CodecLoadOptions {
  file: string;
  encoder: FeatureAudioEncoderSpec;
  sampleRate: number;
  /** Applied to feature rows before the quantizer (PCA from training). */
  projection?: { forward(rows: Float32Array, o: { backend?: string }): Promise<Float32Array> };
  quantizer: AnyQuantizer;
  /** For the MMTOK_NO_DECODER message. */
  name: string;
}

/**
 * The AudioCodec of a semantic tokenizer: samples → (normalize) → feature model → (projection) →
 * quantizer → [levels, frames] codes. The model frames the signal itself, so the tokenizer does not
 * pad (padTo 1): tokens equal those of the model run on the clip as given.
 */
export class SemanticAudioCodec implements AudioCodec {
  readonly padTo = 1;
  readonly frameIndependent = false;
  readonly hopLength: number;
  readonly levels: number;
  readonly codebookSize: number;

  private constructor(
    private readonly model: OnnxFeatureModel,
    private readonly o: SemanticAudioCodecOptions,
  ) {
    this.hopLength = o.encoder.hopLength;
    this.levels = o.quantizer.numQuantizers;
    this.codebookSize = o.quantizer.codebookSize;
  }

  get quantizer(): AnyQuantizer {
    return this.o.quantizer;
  }

  static async load(o: SemanticAudioCodecOptions): Promise<SemanticAudioCodec> {
    const model = await OnnxFeatureModel.load(
      o.file,
      { inputName: o.encoder.inputName, outputName: o.encoder.outputName, inputRank: 2 },
      o.executionProviders,
    );
    return new SemanticAudioCodec(model, o);
  }

  async encode(data: Float32Array, channels: number, samples: number, levels: number): Promise<Codes> {
    if (channels !== 1)
      throw new MmtokError('MMTOK_SHAPE', `a speech feature model takes mono audio, got ${channels} channels`);
    const { encoder, sampleRate, backend } = this.o;
    const f = await audioFeatures(this.model, data.subarray(0, samples), { ...encoder, sampleRate });
    const q = this.o.quantizer;
    const rows = this.o.projection ? await this.o.projection.forward(f.data, { backend }) : f.data;
    if (rows.length !== f.rows * q.dim) {
      throw new MmtokError(
        'MMTOK_MISMATCH',
        `${this.o.file}: the model makes ${rows.length / f.rows}-dim features but the quantizer takes dim ${q.dim}`,
      );
    }
    const idx = (await q.encode({ data: rows, shape: [f.rows, q.dim] }, { backend })).data;
    // Quantizer rows are [frames, Q]; tokens are levels-major [levels, frames].
    const Q = this.levels;
    const out = new Int32Array(levels * f.rows);
    for (let l = 0; l < levels; l++) for (let t = 0; t < f.rows; t++) out[l * f.rows + t] = idx[t * Q + l];
    return { indices: out, levels, frames: f.rows };
  }

  decode(): Promise<{ data: Float32Array; length: number }> {
    return Promise.reject(noDecoderError(this.o.name));
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
  }
}

/** The codec of a manifest with a 'features' encoder (called by the tokenizer's loader). */
export async function loadSemanticCodec(
  m: { name: string; preprocessing: { sampleRate: number; channels: number } },
  encoder: FeatureAudioEncoderSpec,
  dir: string,
  quantizer: AnyQuantizer | undefined,
  options: CodecLoadOptions,
): Promise<SemanticAudioCodec> {
  if (!quantizer) throw new MmtokError('MMTOK_MANIFEST', `${dir}: a 'features' encoder needs a quantizer`);
  if (m.preprocessing.channels !== 1) {
    throw new MmtokError('MMTOK_MANIFEST', `${dir}: a 'features' encoder takes mono audio (preprocessing.channels 1)`);
  }
  const projection = await loadFeatureProjection(encoder, dir, quantizer.dim);
  return SemanticAudioCodec.load({
    ...options,
    file: resolve(dir, encoder.file),
    encoder,
    sampleRate: m.preprocessing.sampleRate,
    projection,
    quantizer,
    name: m.name,
  });
}
