import {
  checkTrainableQuantizer,
  concatRows,
  fitLinearCodec,
  gatherRows,
  type LinearTrainingProgress,
  MmtokError,
  Random,
  sortedSample,
  type TrainableQuantizer,
  trainedQuantizerEntry,
} from '@mmtok/core';
import { writeTrainedTokenizer } from '@mmtok/core/node';
import { type AlphaPolicy, checkImage, readImage } from './io.js';
import { LinearPatchTransform } from './linear-tokenizer.js';
import { MANIFEST_FORMAT, MANIFEST_FORMAT_VERSION, type TokenizerManifest } from './manifest.js';
import { padToMultiple, patchify } from './patches.js';
import { normalize } from './preprocess.js';
import type { RgbImage } from './types.js';

export type { TrainableQuantizer };

export interface TrainImageTokenizerOptions {
  /** Directory for manifest.json, encoder.safetensors and quantizer.safetensors (created if missing). */
  outDir: string;
  name?: string;
  version?: string;
  description?: string;
  /** Patch side P; patches are P×P×3. Default 4. */
  patchSize?: number;
  /** PCA components kept (RVQ, the default). FSQ uses fsqLevels.length, LFQ lfqBits. Default 16. */
  dim?: number;
  /** Default 'rvq'. */
  quantizer?: TrainableQuantizer;
  /** RVQ codebook size per level. Default 256. */
  codebookSize?: number;
  /** RVQ levels. Default 4. */
  numQuantizers?: number;
  /** FSQ levels per PCA component. Default [8, 8, 8, 5, 5, 5]. */
  fsqLevels?: number[];
  /** LFQ bits = PCA components. Default 12. */
  lfqBits?: number;
  /** Patches sampled for PCA and k-means, spread evenly over the images. Default 65536. */
  maxPatches?: number;
  /** k-means iterations per RVQ level. Default 20. */
  iterations?: number;
  seed?: number;
  /** Core backend for k-means. */
  backend?: string;
  /** Per-channel normalization on [0, 1]. Default mean 0.5, std 0.5 (values in [-1, 1]). */
  mean?: [number, number, number];
  std?: [number, number, number];
  /** Alpha policy for image paths. */
  alpha?: AlphaPolicy;
  /** Free-form facts recorded in the manifest's metadata. */
  metadata?: Record<string, unknown>;
  onProgress?: (info: LinearTrainingProgress) => void;
}

export interface TrainImageTokenizerResult {
  manifestPath: string;
  /** Patches the transform and quantizer were fitted on. */
  patches: number;
  /** Share of the patch variance the kept PCA components explain. */
  explainedVariance: number;
}

/**
 * Fits the built-in linear tokenizer: PCA of P×P×3 patches → quantizer (RVQ fitted by k-means on
 * the PCA coefficients; FSQ/LFQ with per-component scales) → inverse. Deterministic for a seed.
 */
export async function trainImageTokenizer(
  images: RgbImage[] | string[],
  options: TrainImageTokenizerOptions,
): Promise<TrainImageTokenizerResult> {
  if (!options || typeof options.outDir !== 'string' || options.outDir === '') {
    throw new MmtokError('MMTOK_CONFIG', "option 'outDir' is required: the directory to write the tokenizer into");
  }
  if (!Array.isArray(images) || images.length === 0) throw new MmtokError('MMTOK_EMPTY', 'no training images given');
  const P = options.patchSize ?? 4;
  const kind = options.quantizer ?? 'rvq';
  checkTrainableQuantizer(kind);
  const fsqLevels = options.fsqLevels ?? [8, 8, 8, 5, 5, 5];
  const dim = kind === 'fsq' ? fsqLevels.length : kind === 'lfq' ? (options.lfqBits ?? 12) : (options.dim ?? 16);
  const D = P * P * 3;
  if (!Number.isInteger(P) || P < 1 || P > 64)
    throw new MmtokError('MMTOK_CONFIG', `option 'patchSize' must be an integer in [1, 64], got ${P}`);
  if (!Number.isInteger(dim) || dim < 1 || dim > D) {
    throw new MmtokError(
      'MMTOK_CONFIG',
      `the PCA dimension must be an integer in [1, ${D}] for ${P}×${P} patches, got ${dim}`,
    );
  }
  const norm = { mean: options.mean ?? [0.5, 0.5, 0.5], std: options.std ?? [0.5, 0.5, 0.5] } as const;
  const seed = options.seed ?? 0;
  const maxPatches = options.maxPatches ?? 65536;
  const report = options.onProgress;

  // Sample patches evenly per image so one large image does not dominate.
  const rng = new Random(seed);
  const perImage = Math.max(1, Math.ceil(maxPatches / images.length));
  const chunks: Float32Array[] = [];
  for (const item of images) {
    const image = typeof item === 'string' ? await readImage(item, { alpha: options.alpha }) : item;
    checkImage(image, typeof item === 'string' ? item : 'training image');
    report?.({ stage: 'read', detail: typeof item === 'string' ? item : `${image.width}×${image.height}` });
    const p = patchify(padToMultiple(normalize(image, norm), P, 'edge'), P);
    const n = p.gridH * p.gridW;
    if (n <= perImage) chunks.push(p.data);
    else chunks.push(gatherRows(p.data, D, sortedSample(rng, n, perImage)));
  }
  const { rows, total } = concatRows(chunks, D);

  const {
    transform: linear,
    explained,
    config,
    quantizer,
  } = await fitLinearCodec(
    kind,
    rows,
    total,
    D,
    // codebookSize, numQuantizers, iterations, backend and onProgress as the caller gave them.
    { ...options, rowsAre: 'patches', dim, fsqLevels, seed },
    (pca, scale) => new LinearPatchTransform(P, pca.mean, pca.components, scale),
  );

  report?.({ stage: 'write' });
  const manifest: TokenizerManifest = {
    format: MANIFEST_FORMAT,
    formatVersion: MANIFEST_FORMAT_VERSION,
    name: options.name ?? 'custom',
    version: options.version ?? '1.0.0',
    ...(options.description ? { description: options.description } : {}),
    modality: 'image',
    preprocessing: { resize: { mode: 'none' }, mean: [...norm.mean], std: [...norm.std], sizeMultiple: P, pad: 'edge' },
    encoder: { kind: 'linear-patch', patchSize: P, weights: 'encoder.safetensors' },
    quantizer: trainedQuantizerEntry(config, 'quantizer.safetensors'),
    decoder: { kind: 'linear-patch-inverse' },
    tokens: { layout: ['h', 'w', 'levels'] },
    metadata: {
      trainer: 'mmtok trainImageTokenizer',
      images: images.length,
      patches: total,
      pcaExplainedVariance: Number(explained.toFixed(6)),
      seed,
      ...options.metadata,
    },
  };
  const manifestPath = await writeTrainedTokenizer(options.outDir, {
    encoder: linear.serialize(),
    quantizer: kind === 'rvq' ? quantizer : undefined,
    manifest,
  });
  return { manifestPath, patches: total, explainedVariance: explained };
}
