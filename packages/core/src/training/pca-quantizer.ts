import { configWithoutWeights, type QuantizerConfig } from '../config.js';
import { type AnyQuantizer, createQuantizer } from '../create.js';
import { MmtokError } from '../errors.js';
import type { Random } from '../random.js';
import { LinearTransform } from '../transforms/linear.js';
import { fitPca, type Pca } from '../transforms/pca.js';
import { type FitProgress, fitQuantizer } from './fit.js';

/** Quantizers the built-in linear tokenizers train (PCA coefficients → codes). */
export type TrainableQuantizer = 'rvq' | 'fsq' | 'lfq';

/** Throws MMTOK_CONFIG unless `kind` is one of the trainable quantizers. */
export function checkTrainableQuantizer(kind: string): asserts kind is TrainableQuantizer {
  if (!['rvq', 'fsq', 'lfq'].includes(kind)) {
    throw new MmtokError(
      'MMTOK_CONFIG',
      `option 'quantizer' must be 'rvq', 'fsq' or 'lfq', got ${JSON.stringify(kind)}`,
    );
  }
}

/** `k` of the row indices 0..n-1 drawn by `rng`, ascending (so sampled rows keep their input order). */
export function sortedSample(rng: Random, n: number, k: number): number[] {
  return Array.from(rng.sample(n, k)).sort((a, b) => a - b);
}

/** The rows of `src` ([*, D]) at `pick`, copied into one [pick.length, D] matrix. */
export function gatherRows(src: Float32Array, D: number, pick: readonly number[]): Float32Array {
  const out = new Float32Array(pick.length * D);
  pick.forEach((r, i) => {
    out.set(src.subarray(r * D, (r + 1) * D), i * D);
  });
  return out;
}

/** Sampled row chunks [n_i, D] → one [total, D] matrix, in order. */
export function concatRows(chunks: readonly Float32Array[], D: number): { rows: Float32Array; total: number } {
  const total = chunks.reduce((a, c) => a + c.length / D, 0);
  const rows = new Float32Array(total * D);
  let at = 0;
  for (const c of chunks) {
    rows.set(c, at);
    at += c.length;
  }
  return { rows, total };
}

/** PCA of [total, D] rows keeping `dim` components, and the share of variance they explain. */
export function fitRowPca(rows: Float32Array, total: number, D: number, dim: number): { pca: Pca; explained: number } {
  const pca = fitPca({ data: rows, shape: [total, D] }, D, { components: dim });
  return { pca, explained: pca.variances.reduce((a, b) => a + b, 0) / pca.totalVariance };
}

export interface TrainQuantizerOptions {
  dim: number;
  /** RVQ only: codes per level (default 256), levels (default 4), k-means iterations (default 20). */
  codebookSize?: number;
  numQuantizers?: number;
  iterations?: number;
  /** FSQ only. */
  fsqLevels?: number[];
  seed: number;
  backend?: string;
  onProgress?: (detail: FitProgress) => void;
}

/**
 * The quantizer over PCA coefficients [total, dim]: RVQ fitted by k-means; FSQ/LFQ need no fitting
 * (the transform's per-component scales match them to the code range).
 */
export async function trainCoefficientQuantizer(
  kind: TrainableQuantizer,
  coeffs: Float32Array,
  total: number,
  o: TrainQuantizerOptions,
): Promise<{ config: QuantizerConfig; quantizer: AnyQuantizer }> {
  let config: QuantizerConfig;
  if (kind === 'rvq') {
    config = await fitQuantizer(
      { type: 'rvq', dim: o.dim, codebookSize: o.codebookSize ?? 256, numQuantizers: o.numQuantizers ?? 4 },
      { data: coeffs, shape: [total, o.dim] },
      { seed: o.seed, iterations: o.iterations ?? 20, backend: o.backend, onProgress: o.onProgress },
    );
  } else if (kind === 'fsq') {
    const levels = o.fsqLevels ?? [];
    config = { type: 'fsq', levels, boundHardClamp: true, preserveSymmetry: levels.includes(2) || undefined };
  } else {
    config = { type: 'lfq', dim: o.dim };
  }
  return { config, quantizer: await createQuantizer(config, { backend: o.backend }) };
}

/** How a built-in trainer reports: reading inputs, PCA, fitting the quantizer, writing files. */
export interface LinearTrainingProgress {
  stage: 'read' | 'pca' | 'quantizer' | 'write';
  detail?: FitProgress | string;
}

export interface FitLinearCodecOptions extends Omit<TrainQuantizerOptions, 'onProgress'> {
  /** What a row is, for the progress detail ('patches', 'tubelets', 'frames'). */
  rowsAre: string;
  onProgress?: (info: LinearTrainingProgress) => void;
}

/**
 * The part every built-in trainer shares: PCA of the sampled rows [total, D], the transform
 * `makeTransform` builds from it (given the per-component scales `kind` wants), the rows'
 * coefficients through that transform, and the quantizer fitted to them.
 */
export async function fitLinearCodec<T extends LinearTransform>(
  kind: TrainableQuantizer,
  rows: Float32Array,
  total: number,
  D: number,
  o: FitLinearCodecOptions,
  makeTransform: (pca: Pca, scale: Float32Array) => T,
): Promise<{ transform: T; explained: number; config: QuantizerConfig; quantizer: AnyQuantizer }> {
  const report = o.onProgress;
  report?.({ stage: 'pca', detail: `${total} ${o.rowsAre} of ${D} values → ${o.dim} components` });
  const { pca, explained } = fitRowPca(rows, total, D, o.dim);
  const transform = makeTransform(pca, LinearTransform.scaleFor(pca, kind));
  const coeffs = await transform.forward(rows, { backend: o.backend });
  report?.({ stage: 'quantizer' });
  const { config, quantizer } = await trainCoefficientQuantizer(kind, coeffs, total, {
    ...o,
    onProgress: report && ((detail) => report({ stage: 'quantizer', detail })),
  });
  return { transform, explained, config, quantizer };
}

/** A trained quantizer's manifest entry: codebooks go to `file`, weightless configs stay inline. */
export function trainedQuantizerEntry(
  config: QuantizerConfig,
  file: string,
): { config: QuantizerConfig; file?: string } {
  return config.type === 'rvq'
    ? { config: configWithoutWeights(config), file }
    : { config: JSON.parse(JSON.stringify(config)) };
}
