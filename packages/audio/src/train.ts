import {
  concatRows,
  fitLinearCodec,
  gatherRows,
  type LinearTrainingProgress,
  MmtokError,
  Random,
  sortedSample,
  trainedQuantizerEntry,
} from '@mmtok/core';
import { writeTrainedTokenizer } from '@mmtok/core/node';
import { checkAudio, convertAudio, readAudio } from './io.js';
import { cutFrames, frameCount, LinearFrameTransform, sqrtHannWindow } from './linear-frame.js';
import { type AudioTokenizerManifest, MANIFEST_FORMAT, MANIFEST_FORMAT_VERSION } from './manifest.js';
import type { AudioBuffer } from './types.js';

export interface TrainAudioTokenizerOptions {
  /** Directory for manifest.json, encoder.safetensors and quantizer.safetensors (created if missing). */
  outDir: string;
  name?: string;
  version?: string;
  description?: string;
  /** Default 16000. */
  sampleRate?: number;
  /** Default 1. */
  channels?: number;
  /** Samples per token frame; frames are 2·hop long. Default 160 (10 ms at 16 kHz: 100 frames/s). */
  hopLength?: number;
  /** PCA components kept. Default 96. */
  dim?: number;
  /** Codes per RVQ level. Default 256. */
  codebookSize?: number;
  /** RVQ levels. Default 12. */
  numQuantizers?: number;
  /** Frames sampled for PCA and k-means, spread evenly over the inputs. Default 40000. */
  maxFrames?: number;
  /** k-means iterations per level. Default 15. */
  iterations?: number;
  seed?: number;
  /** Core backend for k-means. */
  backend?: string;
  /** Frames quieter than this RMS are left out of training (silence teaches nothing). Default 1e-4. */
  silenceRms?: number;
  metadata?: Record<string, unknown>;
  onProgress?: (info: LinearTrainingProgress) => void;
}

export interface TrainAudioTokenizerResult {
  manifestPath: string;
  /** Frames the transform and quantizer were fitted on. */
  frames: number;
  /** Share of frame variance the kept PCA components explain. */
  explainedVariance: number;
  frameRate: number;
  /** Bits per second at full depth. */
  bitrate: number;
}

function positiveInt(v: number, name: string, max = 1 << 20): number {
  if (!Number.isInteger(v) || v < 1 || v > max) {
    throw new MmtokError('MMTOK_CONFIG', `option '${name}' must be an integer in [1, ${max}], got ${v}`, {
      option: name,
    });
  }
  return v;
}

/**
 * Fits the built-in linear-frame codec: sqrt-Hann frames (2·hop) → PCA → RVQ fitted by k-means on
 * the PCA coefficients → inverse → overlap-add. Deterministic for a seed.
 */
export async function trainAudioTokenizer(
  inputs: string[] | AudioBuffer[],
  options: TrainAudioTokenizerOptions,
): Promise<TrainAudioTokenizerResult> {
  if (!options || typeof options.outDir !== 'string' || options.outDir === '') {
    throw new MmtokError('MMTOK_CONFIG', "option 'outDir' is required: the directory to write the tokenizer into");
  }
  if (!Array.isArray(inputs) || inputs.length === 0) throw new MmtokError('MMTOK_EMPTY', 'no training audio given');
  const sampleRate = positiveInt(options.sampleRate ?? 16000, 'sampleRate', 768000);
  const channels = positiveInt(options.channels ?? 1, 'channels', 64);
  const H = positiveInt(options.hopLength ?? 160, 'hopLength', 1 << 16);
  const D = channels * 2 * H;
  const dim = positiveInt(options.dim ?? Math.min(96, D), 'dim', D);
  const codebookSize = positiveInt(options.codebookSize ?? 256, 'codebookSize', 1 << 16);
  const levels = positiveInt(options.numQuantizers ?? 12, 'numQuantizers', 64);
  const maxFrames = positiveInt(options.maxFrames ?? 40000, 'maxFrames', 1 << 24);
  const seed = options.seed ?? 0;
  const silence = options.silenceRms ?? 1e-4;
  const report = options.onProgress;
  const window = sqrtHannWindow(H);

  // Frames sampled evenly per input so one long file does not dominate.
  const rng = new Random(seed);
  const perInput = Math.max(1, Math.ceil(maxFrames / inputs.length));
  const chunks: Float32Array[] = [];
  let seconds = 0;
  for (const item of inputs) {
    const what = typeof item === 'string' ? item : 'training audio';
    const raw = typeof item === 'string' ? await readAudio(item, { sampleRate, channels }) : item;
    checkAudio(raw, what);
    const a = await convertAudio(raw, sampleRate, channels);
    seconds += a.length / sampleRate;
    report?.({ stage: 'read', detail: what });
    // The padded signal (H zeros in front, zeros to the last frame's end) as the codec frames it.
    const F = frameCount(a.length, H);
    const len = (F + 1) * H;
    const buf = new Float32Array(channels * len);
    for (let c = 0; c < channels; c++) buf.set(a.data.subarray(c * a.length, (c + 1) * a.length), c * len + H);
    const rows = cutFrames(buf, channels, len, H, F, window);
    const loud: number[] = [];
    for (let f = 0; f < F; f++) {
      let e = 0;
      for (let j = 0; j < D; j++) e += rows[f * D + j] ** 2;
      if (Math.sqrt(e / D) >= silence) loud.push(f);
    }
    const pick = loud.length <= perInput ? loud : sortedSample(rng, loud.length, perInput).map((i) => loud[i]);
    chunks.push(gatherRows(rows, D, pick));
  }
  const { rows, total } = concatRows(chunks, D);
  if (total < codebookSize) {
    throw new MmtokError(
      'MMTOK_EMPTY',
      `only ${total} non-silent frames to train on; need at least codebookSize = ${codebookSize} (give more audio or a smaller --codebook-size)`,
    );
  }

  const { transform, explained, config, quantizer } = await fitLinearCodec(
    'rvq',
    rows,
    total,
    D,
    {
      rowsAre: 'frames',
      dim,
      codebookSize,
      numQuantizers: levels,
      iterations: options.iterations ?? 15,
      seed,
      backend: options.backend,
      onProgress: report,
    },
    // No mean and unit scales: silence must map to zero coefficients, and overlap-add of a constant
    // frame mean would leave a hum.
    (pca) => new LinearFrameTransform(H, channels, new Float32Array(D), pca.components, new Float32Array(dim).fill(1)),
  );

  report?.({ stage: 'write' });
  const frameRate = sampleRate / H;
  const bitrate = frameRate * levels * Math.log2(codebookSize);
  const manifest: AudioTokenizerManifest = {
    format: MANIFEST_FORMAT,
    formatVersion: MANIFEST_FORMAT_VERSION,
    name: options.name ?? 'custom-audio',
    version: options.version ?? '1.0.0',
    ...(options.description ? { description: options.description } : {}),
    modality: 'audio',
    preprocessing: { sampleRate, channels },
    encoder: {
      kind: 'linear-frame',
      frameLength: 2 * H,
      hopLength: H,
      window: 'sqrt-hann',
      weights: 'encoder.safetensors',
    },
    quantizer: trainedQuantizerEntry(config, 'quantizer.safetensors'),
    decoder: { kind: 'linear-frame-inverse' },
    tokens: { layout: ['levels', 'frames'], frameRate },
    bitrate,
    metadata: {
      trainer: 'mmtok trainAudioTokenizer',
      inputs: inputs.length,
      seconds: Number(seconds.toFixed(3)),
      frames: total,
      pcaExplainedVariance: Number(explained.toFixed(6)),
      seed,
      ...options.metadata,
    },
  };
  const manifestPath = await writeTrainedTokenizer(options.outDir, {
    encoder: transform.serialize(),
    quantizer,
    manifest,
  });
  return { manifestPath, frames: total, explainedVariance: explained, frameRate, bitrate };
}
