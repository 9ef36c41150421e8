import { configWithoutWeights, type QuantizerConfig } from '../config.js';
import { type AnyQuantizer, createQuantizer } from '../create.js';
import { MmtokError } from '../errors.js';
import { Random } from '../random.js';
import { LinearTransform } from '../transforms/linear.js';
import { type FitProgress, fitQuantizer } from './fit.js';
import { concatRows, fitRowPca, gatherRows, type LinearTrainingProgress, sortedSample } from './pca-quantizer.js';

/** `format` metadata of a semantic tokenizer's projection file (PCA of encoder features). */
export const FEATURE_PROJECTION_FORMAT = 'mmtok-feature-projection';

/** The codebook choices of a semantic tokenizer, as its trainers (image, audio) take them. */
export interface FeatureCodebookChoices {
  /** 'vq' (one codebook: HuBERT-style units) or 'rvq' (residual levels). Default 'vq'. */
  quantizer?: 'vq' | 'rvq';
  /** Codes per level. Trainers default it per modality (audio 100, as GSLM's HuBERT units; image 256). */
  codebookSize?: number;
  /** rvq only: residual levels. Default 1. */
  levels?: number;
  /** PCA components to keep before k-means; undefined keeps the features as they are. */
  pcaDim?: number;
  /** k-means iterations per level. Default 20. */
  iterations?: number;
  /** Seeds the row sampling and k-means++. Trainers default it to 0. */
  seed?: number;
  backend?: string;
  onProgress?: (info: LinearTrainingProgress) => void;
}

export interface FitFeatureCodebookOptions extends FeatureCodebookChoices {
  codebookSize: number;
  seed: number;
}

export interface FittedFeatureCodebook {
  /** Centring + PCA rotation applied to features before the quantizer, when pcaDim was given. */
  projection?: LinearTransform;
  /** Share of feature variance the kept components explain (1 without PCA). */
  explained: number;
  /** The rows as the quantizer sees them (projected when there is a projection): [total, quantizer.dim]. */
  rows: Float32Array;
  config: QuantizerConfig;
  quantizer: AnyQuantizer;
  /** Manifest entry: config without weights, codebooks in `file`. */
  entry: { config: QuantizerConfig; file?: string };
}

/**
 * The codebook of a semantic tokenizer: k-means++ (core's fitQuantizer) on encoder feature rows
 * [total, D], optionally after PCA to `pcaDim` components (unit scales: k-means works in PCA units).
 */
export async function fitFeatureCodebook(
  rows: Float32Array,
  total: number,
  D: number,
  o: FitFeatureCodebookOptions,
  quantizerFile = 'quantizer.safetensors',
): Promise<FittedFeatureCodebook> {
  const kind = o.quantizer ?? 'vq';
  if (kind !== 'vq' && kind !== 'rvq') {
    throw new MmtokError('MMTOK_CONFIG', `a semantic codebook is 'vq' or 'rvq', got ${JSON.stringify(kind)}`);
  }
  if (total < o.codebookSize) {
    throw new MmtokError(
      'MMTOK_EMPTY',
      `only ${total} feature rows to fit ${o.codebookSize} codes; give more media or a smaller codebook size`,
    );
  }
  const report = o.onProgress;
  let projection: LinearTransform | undefined;
  let explained = 1;
  let x = rows;
  let dim = D;
  if (o.pcaDim !== undefined) {
    if (!Number.isInteger(o.pcaDim) || o.pcaDim < 1 || o.pcaDim > D) {
      throw new MmtokError('MMTOK_CONFIG', `option 'pcaDim' must be an integer in [1, ${D}], got ${o.pcaDim}`);
    }
    report?.({ stage: 'pca', detail: `${total} feature rows of ${D} values → ${o.pcaDim} components` });
    const fitted = fitRowPca(rows, total, D, o.pcaDim);
    explained = fitted.explained;
    const pca = fitted.pca;
    projection = new LinearTransform(pca.mean, pca.components, new Float32Array(o.pcaDim).fill(1));
    x = await projection.forward(rows, { backend: o.backend });
    dim = o.pcaDim;
  }
  report?.({ stage: 'quantizer' });
  const base: QuantizerConfig =
    kind === 'vq'
      ? { type: 'vq', dim, codebookSize: o.codebookSize }
      : { type: 'rvq', dim, codebookSize: o.codebookSize, numQuantizers: o.levels ?? 1 };
  const config = await fitQuantizer(
    base,
    { data: x, shape: [total, dim] },
    {
      seed: o.seed,
      iterations: o.iterations ?? 20,
      backend: o.backend,
      onProgress: report && ((detail: FitProgress) => report({ stage: 'quantizer', detail })),
    },
  );
  const quantizer = await createQuantizer(config, { backend: o.backend });
  return {
    projection,
    explained,
    rows: x,
    config,
    quantizer,
    entry: { config: configWithoutWeights(config), file: quantizerFile },
  };
}

export interface TrainFeatureCodebookOptions extends FitFeatureCodebookOptions {
  /** Feature rows sampled for k-means, spread evenly over the inputs. */
  maxRows: number;
  /** Runs once every input is read (or reading failed), before the fit: frees the feature model early. */
  afterReading?: () => void;
}

export interface TrainedFeatureCodebook extends FittedFeatureCodebook {
  total: number;
  /** Feature width of the encoder, before any projection. */
  featureDim: number;
}

/**
 * A semantic tokenizer's codebook from its training inputs: collectFeatureRows (drawn with
 * Random(seed)), then fitFeatureCodebook; the rows come back in quantizer space for health stats.
 */
export async function trainFeatureCodebook<T>(
  inputs: readonly T[],
  featuresOf: (item: T) => Promise<FeatureRows>,
  o: TrainFeatureCodebookOptions,
): Promise<TrainedFeatureCodebook> {
  const { rows, total, dim } = await collectFeatureRows(inputs, featuresOf, o.maxRows, new Random(o.seed)).finally(
    o.afterReading,
  );
  // fitted.rows are already projected: the fit ran k-means on them.
  const fitted = await fitFeatureCodebook(rows, total, dim, o);
  return { ...fitted, total, featureDim: dim };
}

/** An encoder's output for one input: `rows` feature vectors of `dim` values. */
export interface FeatureRows {
  data: Float32Array;
  rows: number;
  dim: number;
}

/**
 * The training rows of a semantic codebook: `featuresOf` runs on each input in turn and at most
 * ⌈maxRows / inputs⌉ of its rows are kept, drawn by `rng` and kept in order, so that one long input
 * does not dominate. Returns [total, dim] rows.
 */
export async function collectFeatureRows<T>(
  inputs: readonly T[],
  featuresOf: (item: T) => Promise<FeatureRows>,
  maxRows: number,
  rng: Random,
): Promise<{ rows: Float32Array; total: number; dim: number }> {
  const perInput = Math.max(1, Math.ceil(maxRows / inputs.length));
  const chunks: Float32Array[] = [];
  let dim = 0;
  for (const item of inputs) {
    const f = await featuresOf(item);
    if (dim !== 0 && f.dim !== dim) {
      throw new MmtokError(
        'MMTOK_MISMATCH',
        `the model made ${f.dim}-dim features for one input and ${dim} for another`,
      );
    }
    dim = f.dim;
    const pick = f.rows <= perInput ? [...Array(f.rows).keys()] : sortedSample(rng, f.rows, perInput);
    chunks.push(gatherRows(f.data, f.dim, pick));
  }
  return { ...concatRows(chunks, dim), dim };
}
