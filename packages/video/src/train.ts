import { mkdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import {
  checkTrainableQuantizer,
  concatRows,
  fitLinearCodec,
  type LinearTrainingProgress,
  MmtokError,
  Random,
  trainedQuantizerEntry,
} from '@mmtok/core';
import { writeManifestJson, writeTrainedTokenizer } from '@mmtok/core/node';
import { readFrames } from './frames.js';
import { causalGroups } from './grouping.js';
import { LinearTubeletTransform } from './linear-transform.js';
import { MANIFEST_FORMAT, MANIFEST_FORMAT_VERSION, type VideoTokenizerManifest } from './manifest.js';
import { tubeletize } from './tubelets.js';

export interface TrainVideoTokenizerOptions {
  /** Directory for manifest.json (+ encoder.safetensors, quantizer.safetensors for tubelets). */
  outDir: string;
  /** 'tubelet' (default) fits PCA + quantizer; 'per-frame' writes a manifest around an image tokenizer. */
  kind?: 'tubelet' | 'per-frame';
  name?: string;
  version?: string;
  description?: string;
  /** per-frame: the image tokenizer (built-in name or manifest path). Default 'default'. */
  imageTokenizer?: string;
  /** T, frames per tubelet. Default 4. */
  temporalPatch?: number;
  /** P, tubelet side. Default 8. */
  patchSize?: number;
  /** First frame alone, then groups of T (Cosmos / MAGVIT-v2). Default true. */
  causal?: boolean;
  /** PCA components (RVQ). FSQ uses fsqLevels.length, LFQ lfqBits. Default 32. */
  dim?: number;
  quantizer?: 'rvq' | 'fsq' | 'lfq';
  codebookSize?: number;
  numQuantizers?: number;
  fsqLevels?: number[];
  lfqBits?: number;
  /** Tubelets sampled for PCA and k-means, spread evenly over the inputs. Default 32768. */
  maxTubelets?: number;
  iterations?: number;
  seed?: number;
  backend?: string;
  /** Training frames are read at this rate / size (default each input's own). */
  fps?: number;
  width?: number;
  height?: number;
  mean?: [number, number, number];
  std?: [number, number, number];
  metadata?: Record<string, unknown>;
  onProgress?: (info: LinearTrainingProgress) => void;
}

/** Reservoir sampling of rows, seeded: every row of an input has the same chance, memory fixed. */
class Reservoir {
  readonly rows: Float32Array;
  seen = 0;
  constructor(
    readonly size: number,
    readonly D: number,
    private readonly rng: Random,
  ) {
    this.rows = new Float32Array(size * D);
  }
  add(rows: Float32Array): void {
    const n = rows.length / this.D;
    for (let r = 0; r < n; r++) {
      const slot = this.seen < this.size ? this.seen : this.rng.int(this.seen + 1);
      this.seen++;
      if (slot < this.size) this.rows.set(rows.subarray(r * this.D, (r + 1) * this.D), slot * this.D);
    }
  }
  get filled(): Float32Array {
    return this.rows.subarray(0, Math.min(this.seen, this.size) * this.D);
  }
}

/**
 * Trains a video tokenizer. Tubelet: samples T×P×P×3 tubelets from the inputs (plus first-frame
 * tubelets, the frame repeated T times, so the causal first step is in-distribution), fits PCA,
 * then the quantizer (RVQ by k-means; FSQ/LFQ with per-component scales). Deterministic for a seed.
 */
export async function trainVideoTokenizer(
  inputs: string[],
  options: TrainVideoTokenizerOptions,
): Promise<{ manifestPath: string; tubelets?: number; explainedVariance?: number }> {
  if (!options || typeof options.outDir !== 'string' || options.outDir === '') {
    throw new MmtokError('MMTOK_CONFIG', "option 'outDir' is required: the directory to write the tokenizer into");
  }
  const kind = options.kind ?? 'tubelet';
  const norm = { mean: options.mean ?? [0.5, 0.5, 0.5], std: options.std ?? [0.5, 0.5, 0.5] } as {
    mean: [number, number, number];
    std: [number, number, number];
  };
  const base: Omit<VideoTokenizerManifest, 'encoder' | 'decoder' | 'tokens'> = {
    format: MANIFEST_FORMAT,
    formatVersion: MANIFEST_FORMAT_VERSION,
    name: options.name ?? 'custom',
    version: options.version ?? '1.0.0',
    ...(options.description ? { description: options.description } : {}),
    modality: 'video',
    preprocessing: {
      ...norm,
      ...(options.fps ? { fps: options.fps } : {}),
      ...(options.width ? { width: options.width } : {}),
      ...(options.height ? { height: options.height } : {}),
    },
  };
  const manifestPath = join(options.outDir, 'manifest.json');
  if (kind === 'per-frame') {
    const ref = options.imageTokenizer ?? 'default';
    const image = ref.includes('/') || ref.endsWith('.json') ? relative(resolve(options.outDir), resolve(ref)) : ref;
    await mkdir(options.outDir, { recursive: true });
    await writeManifestJson(manifestPath, {
      ...base,
      encoder: { kind: 'per-frame', image },
      decoder: { kind: 'per-frame' },
      tokens: { layout: ['t', 'h', 'w', 'levels'], causal: false },
      ...(options.metadata ? { metadata: options.metadata } : {}),
    } satisfies VideoTokenizerManifest);
    return { manifestPath };
  }
  if (kind !== 'tubelet')
    throw new MmtokError('MMTOK_CONFIG', `option 'kind' must be 'tubelet' or 'per-frame', got ${JSON.stringify(kind)}`);
  if (!Array.isArray(inputs) || inputs.length === 0) throw new MmtokError('MMTOK_EMPTY', 'no training videos given');
  const T = options.temporalPatch ?? 4;
  const P = options.patchSize ?? 8;
  const causal = options.causal ?? true;
  const qkind = options.quantizer ?? 'rvq';
  checkTrainableQuantizer(qkind);
  const fsqLevels = options.fsqLevels ?? [8, 8, 8, 5, 5, 5];
  const dim = qkind === 'fsq' ? fsqLevels.length : qkind === 'lfq' ? (options.lfqBits ?? 12) : (options.dim ?? 32);
  const D = T * P * P * 3;
  for (const [k, v, max] of [
    ['temporalPatch', T, 64],
    ['patchSize', P, 64],
    ['dim', dim, D],
  ] as const) {
    if (!Number.isInteger(v) || v < 1 || v > max)
      throw new MmtokError('MMTOK_CONFIG', `option '${k}' must be an integer in [1, ${max}], got ${v}`);
  }
  const seed = options.seed ?? 0;
  const maxTubelets = options.maxTubelets ?? 32768;
  const report = options.onProgress;
  const rng = new Random(seed);
  const perInput = Math.max(1, Math.ceil(maxTubelets / inputs.length));
  const parts: Float32Array[] = [];
  let frames = 0;
  for (const path of inputs) {
    report?.({ stage: 'read', detail: path });
    // ~1/8 of each input's budget goes to repeated-frame tubelets (the causal first-step transform).
    const moving = new Reservoir(perInput - Math.floor(perInput / 8), D, rng);
    const still = new Reservoir(Math.floor(perInput / 8), D, rng);
    const groups = readFrames(path, { fps: options.fps, width: options.width, height: options.height, groupSize: T });
    for await (const g of causalGroups(groups, T, causal)) {
      frames += g.real;
      if (g.first || g.step % 4 === 0) {
        still.add(
          tubeletize(
            Array.from({ length: T }, () => g.frames[0]),
            g.width,
            g.height,
            P,
            norm,
          ).rows,
        );
      }
      if (!g.first) moving.add(tubeletize(g.frames, g.width, g.height, P, norm).rows);
    }
    parts.push(moving.filled, still.filled);
  }
  const { rows, total } = concatRows(parts, D);
  const {
    transform: linear,
    explained,
    config,
    quantizer,
  } = await fitLinearCodec(
    qkind,
    rows,
    total,
    D,
    // codebookSize, numQuantizers, iterations, backend and onProgress as the caller gave them.
    { ...options, rowsAre: 'tubelets', dim, fsqLevels, seed },
    (pca, scale) => new LinearTubeletTransform(T, P, pca.mean, pca.components, scale),
  );

  report?.({ stage: 'write' });
  await writeTrainedTokenizer(options.outDir, {
    encoder: linear.serialize(),
    quantizer: qkind === 'rvq' ? quantizer : undefined,
    manifest: {
      ...base,
      encoder: {
        kind: 'linear-tubelet',
        temporalPatch: T,
        patchSize: P,
        weights: 'encoder.safetensors',
        firstFrame: 'repeat',
      },
      quantizer: trainedQuantizerEntry(config, 'quantizer.safetensors'),
      decoder: { kind: 'linear-tubelet-inverse' },
      tokens: { layout: ['t', 'h', 'w', 'levels'], causal },
      metadata: {
        trainer: 'mmtok trainVideoTokenizer',
        inputs: inputs.length,
        frames,
        tubelets: total,
        pcaExplainedVariance: Number(explained.toFixed(6)),
        seed,
        ...options.metadata,
      },
    } satisfies VideoTokenizerManifest,
  });
  return { manifestPath, tubelets: total, explainedVariance: explained };
}
