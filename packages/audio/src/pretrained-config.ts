/**
 * config.json (+ preprocessor_config.json) of a pretrained audio codec in the Transformers layout →
 * what mmtok needs to run its ONNX export: rate, channels, hop, padding multiple, levels, codebook
 * size and tensor names. One reader per `model_type`, each with the fields (and defaults) of that
 * model's own configuration class in transformers (configuration_mimi.py, configuration_dac.py,
 * configuration_encodec.py) or of snac.py for SNAC. docs/pretrained.md lists them.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MmtokError } from '@mmtok/core';

/** An mmtok audio manifest at a repo's root, its files relative to the root: overrides the config guesses. */
export const PRETRAINED_MANIFEST_FILE = 'mmtok.json';

export const PRETRAINED_AUDIO_MODEL_TYPES = ['mimi', 'dac', 'snac', 'encodec'] as const;
export type PretrainedAudioModelType = (typeof PRETRAINED_AUDIO_MODEL_TYPES)[number];

export interface PretrainedCodecDescription {
  modelType: PretrainedAudioModelType;
  sampleRate: number;
  channels: number;
  /** Samples per frame of the finest scale. */
  hopLength: number;
  /** The input is zero-padded on the right to a multiple of this (SNAC: hop · lcm(vq_strides[0], attn_window_size)). */
  paddingMultiple: number;
  /** Levels of a full encode (one per scale for SNAC), when the config says; else the model is probed. */
  levels?: number;
  codebookSize?: number;
  /** SNAC: frames of the finest scale per frame of each scale, coarsest first (vq_strides). */
  scaleStrides?: number[];
  /** Bits per second at full depth: Σ over scales of frame rate × levels × log2(codebook size). */
  bitrate?: number;
  encoder: { inputName: string; outputName: string | string[] };
  decoder: { inputName: string | string[]; outputName: string };
}

type Json = Record<string, unknown>;

class ConfigReader {
  constructor(
    private readonly config: Json,
    private readonly preprocessor: Json,
    private readonly source: string,
  ) {}

  fail(key: string, message: string): never {
    throw new MmtokError('MMTOK_MODEL', `${this.source}: '${key}' ${message}`, { source: this.source, key });
  }

  /** A value from config.json, else preprocessor_config.json (keys may differ between the two). */
  private raw(key: string, preKey?: string): unknown {
    const v = this.config[key];
    if (v !== undefined && v !== null) return v;
    const p = preKey ? this.preprocessor[preKey] : undefined;
    return p === null ? undefined : p;
  }

  int(key: string, fallback?: number, preKey?: string): number {
    const v = this.raw(key, preKey) ?? fallback;
    if (!Number.isInteger(v) || (v as number) < 1)
      this.fail(key, `must be a positive integer, got ${JSON.stringify(v)}`);
    return v as number;
  }

  optionalInt(key: string): number | undefined {
    return this.raw(key) === undefined ? undefined : this.int(key);
  }

  positive(key: string, preKey?: string): number | undefined {
    const v = this.raw(key, preKey);
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) {
      this.fail(key, `must be a positive number, got ${JSON.stringify(v)}`);
    }
    return v;
  }

  ints(key: string, fallback?: number[]): number[] {
    const v = this.raw(key) ?? fallback;
    if (!Array.isArray(v) || v.length === 0 || !v.every((x) => Number.isInteger(x) && x >= 1)) {
      this.fail(key, `must be a non-empty list of positive integers, got ${JSON.stringify(v)}`);
    }
    return v as number[];
  }

  numbers(key: string, fallback: number[]): number[] {
    const v = this.raw(key) ?? fallback;
    if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'number' && x > 0)) {
      this.fail(key, `must be a non-empty list of positive numbers, got ${JSON.stringify(v)}`);
    }
    return v as number[];
  }

  /** sampling_rate from config.json, else preprocessor_config.json. */
  sampleRate(fallback?: number): number {
    return this.int('sampling_rate', fallback, 'sampling_rate');
  }

  /** A hop from a frame rate: sampleRate / frameRate must be whole. */
  hopFromFrameRate(sampleRate: number, key: string, frameRate: number): number {
    const hop = sampleRate / frameRate;
    if (Math.abs(hop - Math.round(hop)) > 1e-9) {
      this.fail(key, `gives a hop of ${sampleRate} / ${frameRate} = ${hop} samples, not a whole number`);
    }
    return Math.round(hop);
  }
}

const product = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);
const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
const lcm = (a: number, b: number) => (a / gcd(a, b)) * b;

const RVQ_TENSORS = {
  encoder: { inputName: 'input_values', outputName: 'audio_codes' },
  decoder: { inputName: 'audio_codes', outputName: 'audio_values' },
};

function mimi(r: ConfigReader): PretrainedCodecDescription {
  const sampleRate = r.sampleRate(24000);
  // Older exports state frame_rate (12.5); otherwise configuration_mimi.py's frame_size: the
  // encoder's strides (upsampling_ratios) times the final stride-2 downsample.
  const frameRate = r.positive('frame_rate');
  const hopLength =
    frameRate !== undefined
      ? r.hopFromFrameRate(sampleRate, 'frame_rate', frameRate)
      : 2 * product(r.ints('upsampling_ratios', [8, 6, 5, 4]));
  return {
    modelType: 'mimi',
    sampleRate,
    channels: r.int('audio_channels', 1, 'feature_size'),
    hopLength,
    paddingMultiple: hopLength,
    levels: r.int('num_quantizers', 32),
    codebookSize: r.int('codebook_size', 2048),
    ...RVQ_TENSORS,
  };
}

function dac(r: ConfigReader): PretrainedCodecDescription {
  const sampleRate = r.sampleRate(16000);
  // configuration_dac.py stores hop_length = prod(downsampling_ratios); DacFeatureExtractor has it too.
  const hopLength = r.int('hop_length', product(r.ints('downsampling_ratios', [2, 4, 8, 8])), 'hop_length');
  return {
    modelType: 'dac',
    sampleRate,
    channels: 1,
    hopLength,
    paddingMultiple: hopLength,
    levels: r.int('n_codebooks', 9),
    codebookSize: r.int('codebook_size', 1024),
    ...RVQ_TENSORS,
  };
}

function encodec(r: ConfigReader, config: Json): PretrainedCodecDescription {
  if (config.normalize === true) {
    r.fail(
      'normalize',
      'is true: this EnCodec rescales each chunk and its export takes audio_scales, which mmtok does not feed yet',
    );
  }
  const sampleRate = r.sampleRate(24000);
  const hopLength = product(r.ints('upsampling_ratios', [8, 5, 4, 2]));
  // configuration_encodec.py: frame_rate = ceil(sr / hop); num_quantizers for the largest target bandwidth.
  const frameRate = Math.ceil(sampleRate / hopLength);
  const bandwidths = r.numbers('target_bandwidths', [1.5, 3, 6, 12, 24]);
  const levels = Math.floor((1000 * Math.max(...bandwidths)) / (frameRate * 10));
  if (levels < 1) r.fail('target_bandwidths', `give no codebooks at a frame rate of ${frameRate} Hz`);
  return {
    modelType: 'encodec',
    sampleRate,
    channels: r.int('audio_channels', 1, 'feature_size'),
    hopLength,
    paddingMultiple: hopLength,
    levels,
    codebookSize: r.int('codebook_size', 1024),
    ...RVQ_TENSORS,
  };
}

function snac(r: ConfigReader, config: Json): PretrainedCodecDescription {
  const sampleRate = r.sampleRate(44100);
  const hopLength = product(r.ints('encoder_rates', [3, 3, 7, 7]));
  const strides = r.ints('vq_strides', [8, 4, 2, 1]);
  // snac.py SNAC.preprocess: pad to hop · lcm(vq_strides[0], attn_window_size or 1).
  const window = config.attn_window_size === undefined ? 32 : r.optionalInt('attn_window_size');
  const paddingMultiple = hopLength * lcm(strides[0], window ?? 1);
  const names = strides.map((_, i) => `audio_codes.${i}`);
  return {
    modelType: 'snac',
    sampleRate,
    channels: 1,
    hopLength,
    paddingMultiple,
    levels: 1,
    codebookSize: r.int('codebook_size', 4096),
    scaleStrides: strides,
    encoder: { inputName: 'input_values', outputName: names },
    decoder: { inputName: names, outputName: 'audio_values' },
  };
}

/**
 * Parsed config.json and preprocessor_config.json (absent: {}) → the codec's description.
 * `source` names the repo or folder in messages. Unknown model types fail MMTOK_UNSUPPORTED_MODEL.
 */
export function describePretrainedCodec(
  config: unknown,
  preprocessor: unknown,
  source: string,
): PretrainedCodecDescription {
  const d = describeByType(config, preprocessor, source);
  const K = d.codebookSize;
  if (K === undefined || d.levels === undefined) return d;
  const frames = (d.scaleStrides ?? [1]).reduce((sum, s) => sum + d.sampleRate / d.hopLength / s, 0);
  return { ...d, bitrate: frames * d.levels * Math.log2(K) };
}

function describeByType(config: unknown, preprocessor: unknown, source: string): PretrainedCodecDescription {
  if (!config || typeof config !== 'object' || Array.isArray(config)) {
    throw new MmtokError('MMTOK_MODEL', `${source}: config.json must hold a JSON object`, { source });
  }
  const pre = preprocessor && typeof preprocessor === 'object' && !Array.isArray(preprocessor) ? preprocessor : {};
  const c = config as Json;
  const r = new ConfigReader(c, pre as Json, source);
  switch (c.model_type) {
    case 'mimi':
      return mimi(r);
    case 'dac':
      return dac(r);
    case 'encodec':
      return encodec(r, c);
    case 'snac':
      return snac(r, c);
    default:
      throw new MmtokError(
        'MMTOK_UNSUPPORTED_MODEL',
        `${source}: model_type ${JSON.stringify(c.model_type)} is not an audio codec mmtok knows ` +
          `(${PRETRAINED_AUDIO_MODEL_TYPES.join(', ')}); add an mmtok manifest (mmtok.json) to describe it, ` +
          'or, for an encoder-only model (HuBERT, wav2vec2), train a semantic tokenizer on it with mmtok train --encoder',
        { source, modelType: c.model_type },
      );
  }
}

export async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

/** True for a folder in the Transformers layout: config.json or mmtok.json, and no mmtok manifest.json. */
export async function isPretrainedFolder(path: string): Promise<boolean> {
  return (
    ((await isFile(join(path, 'config.json'))) || (await isFile(join(path, PRETRAINED_MANIFEST_FILE)))) &&
    !(await isFile(join(path, 'manifest.json')))
  );
}
