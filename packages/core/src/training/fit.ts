import type { GroupedConfig, QuantizerConfig, RvqConfig, VqConfig } from '../config.js';
import { validateConfig } from '../config.js';
import { MmtokError } from '../errors.js';
import { type Matrix, toMatrix } from '../tensor.js';
import {
  type KmeansOptions,
  type KmeansProgress,
  kmeansMatrix,
  type ResolvedKmeansOptions,
  resolveKmeansOptions,
} from './kmeans.js';
import { deriveSeed } from './options.js';

export interface FitProgress extends KmeansProgress {
  /** Residual level being fitted (0 for a plain VQ). */
  level: number;
  /** Group being fitted (0 unless the config is grouped). */
  group: number;
}

/** What fitting a config of type C returns: the same family, with its codebooks filled in. */
export type FittedConfig<C extends QuantizerConfig> = C extends { type: 'vq' }
  ? VqConfig
  : C extends { type: 'rvq' }
    ? RvqConfig
    : C extends { type: 'grouped' }
      ? GroupedConfig
      : QuantizerConfig;

export interface FitOptions extends Omit<KmeansOptions, 'spherical' | 'onProgress'> {
  onProgress?: (info: FitProgress) => void;
}

/**
 * Fits a quantizer's codebooks to `data` ([N, dim]) and returns a new config with them filled in;
 * the input config is not changed.
 * - `vq`: k-means with k = codebookSize; cosine distance fits spherical k-means on unit rows.
 * - `rvq`: level by level; level l is k-means on what levels 0..l-1 left (the residual chain the
 *   quantizer's encode follows).
 * - `grouped`: each group fitted on its own slice of the features.
 * FSQ and LFQ families have fixed implicit codebooks, so fitting them is an MMTOK_CONFIG error
 * rather than a silent no-op that would look like training happened.
 */
export async function fitQuantizer<C extends QuantizerConfig>(
  config: C,
  data: unknown,
  options: FitOptions = {},
): Promise<FittedConfig<C>> {
  const valid = validateConfig(config);
  checkTrainable(valid, 'config');
  if (options && typeof options === 'object' && 'spherical' in options) {
    throw new MmtokError('MMTOK_CONFIG', "option 'spherical' is not a fit option: a vq config's distance decides it", {
      option: 'spherical',
    });
  }
  const opts = resolveKmeansOptions(options as KmeansOptions);
  const x = toMatrix(data, dimOf(valid), 'training data');
  return (await fit(valid, x, opts, 0)) as FittedConfig<C>;
}

function checkTrainable(config: QuantizerConfig, where: string): void {
  if (config.type === 'grouped') {
    config.quantizers.forEach((q, g) => {
      checkTrainable(q, `${where}.quantizers[${g}]`);
    });
  } else if (config.type !== 'vq' && config.type !== 'rvq') {
    throw new MmtokError(
      'MMTOK_CONFIG',
      `${where}: a '${config.type}' quantizer has a fixed implicit codebook and nothing to fit; ` +
        "only 'vq', 'rvq' and groups of them are trainable",
      { where, type: config.type },
    );
  }
}

function dimOf(config: QuantizerConfig): number {
  switch (config.type) {
    case 'vq':
    case 'rvq':
      return config.dim;
    case 'grouped':
      return config.quantizers.reduce((a, q) => a + dimOf(q), 0);
    default:
      throw new MmtokError('MMTOK_CONFIG', `'${config.type}' is not trainable`);
  }
}

async function fit(config: QuantizerConfig, x: Matrix, opts: ResolvedKmeansOptions, group: number) {
  switch (config.type) {
    case 'vq':
      return fitVq(config, x, opts, group);
    case 'rvq':
      return fitRvq(config, x, opts, group);
    case 'grouped':
      return fitGrouped(config, x, opts);
    default:
      throw new MmtokError('MMTOK_CONFIG', `'${config.type}' is not trainable`);
  }
}

function levelOptions(
  opts: ResolvedKmeansOptions,
  level: number,
  group: number,
  spherical: boolean,
): ResolvedKmeansOptions {
  const report = opts.onProgress as ((info: FitProgress) => void) | undefined;
  return {
    ...opts,
    // Distinct, reproducible streams per level and group; level 0 of group 0 keeps the seed itself.
    seed: level === 0 && group === 0 ? opts.seed : deriveSeed(opts.seed, level, group),
    spherical,
    onProgress: report && ((info) => report({ ...info, level, group })),
  };
}

async function fitVq(config: VqConfig, x: Matrix, opts: ResolvedKmeansOptions, group: number): Promise<VqConfig> {
  const spherical = config.distance === 'cosine';
  const result = await kmeansMatrix(x, config.codebookSize, levelOptions(opts, 0, group, spherical));
  return { ...config, codebook: result.centroids };
}

async function fitRvq(config: RvqConfig, x: Matrix, opts: ResolvedKmeansOptions, group: number): Promise<RvqConfig> {
  const { dim, codebookSize, numQuantizers } = config;
  const codebooks: Float32Array[] = [];
  let residual = x.data;
  for (let level = 0; level < numQuantizers; level++) {
    const r: Matrix = { data: residual, rows: x.rows, cols: dim };
    const { centroids, assignments } = await kmeansMatrix(r, codebookSize, levelOptions(opts, level, group, false));
    codebooks.push(centroids);
    // A new residual array: the previous one may be cached by a backend. Float32 subtraction, as encode does.
    const next = new Float32Array(residual.length);
    for (let i = 0; i < x.rows; i++) {
      const c = assignments[i];
      for (let j = 0; j < dim; j++) next[i * dim + j] = residual[i * dim + j] - centroids[c * dim + j];
    }
    residual = next;
  }
  return { ...config, codebooks };
}

async function fitGrouped(config: GroupedConfig, x: Matrix, opts: ResolvedKmeansOptions): Promise<GroupedConfig> {
  const quantizers: QuantizerConfig[] = [];
  let col = 0;
  for (const [g, q] of config.quantizers.entries()) {
    const d = dimOf(q);
    const part = new Float32Array(x.rows * d);
    for (let r = 0; r < x.rows; r++) part.set(x.data.subarray(r * x.cols + col, r * x.cols + col + d), r * d);
    quantizers.push(await fit(q, { data: part, rows: x.rows, cols: d }, opts, g));
    col += d;
  }
  return { ...config, quantizers };
}
