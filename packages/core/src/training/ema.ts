import { defaultRegistry } from '../backends/default.js';
import { l2normalize } from '../backends/js/nearest.js';
import type { BackendRegistry } from '../backends/registry.js';
import type { Distance, Weights } from '../config.js';
import { MmtokError } from '../errors.js';
import { Random } from '../random.js';
import { toMatrix } from '../tensor.js';
import { badOption, checkKeys, enumOption, intOption, numberOption, seedOption, stringOption } from './options.js';

export interface EmaCodebookOptions {
  /** Initial codebook [codebookSize, dim]; copied, never mutated. */
  codebook: Weights;
  codebookSize: number;
  dim: number;
  /** EMA decay of cluster sizes and embedding sums. Default 0.8 (the reference's). */
  decay?: number;
  /** Laplace smoothing epsilon. Default 1e-5. */
  eps?: number;
  /** Codes whose EMA cluster size falls below this are re-seeded from the batch; 0 (default) disables. */
  thresholdEmaDeadCode?: number;
  /** Cluster size given to a re-seeded code. Default: thresholdEmaDeadCode. */
  resetClusterSize?: number;
  /** Initial EMA cluster sizes [codebookSize]. Default zeros, as the reference. */
  clusterSize?: ArrayLike<number>;
  /** Initial EMA embedding sums [codebookSize, dim]. Default a copy of the codebook, as the reference. */
  embedSum?: ArrayLike<number>;
  /** 'cosine' mirrors the reference's CosineSimCodebook: unit inputs, unit codes. Default 'euclidean'. */
  distance?: Distance;
  /** Seed of the dead-code re-seeding draws. Default 0. */
  seed?: number;
  backend?: string;
  registry?: BackendRegistry;
}

export interface EmaUpdate {
  /** Code of each batch row, chosen with the codebook as it was before this update. */
  indices: Int32Array;
  /** MSE per element of the batch against the codebook before this update. */
  mse: number;
  /** Codes re-seeded by dead-code restart in this update, ascending. */
  expired: Int32Array;
  /** The codebook after this update (a new array). */
  codebook: Float32Array;
}

const KEYS = [
  'codebook',
  'codebookSize',
  'dim',
  'decay',
  'eps',
  'thresholdEmaDeadCode',
  'resetClusterSize',
  'clusterSize',
  'embedSum',
  'distance',
  'seed',
  'backend',
  'registry',
];

function floatState(name: string, v: ArrayLike<number>, size: number): Float64Array {
  if (typeof v !== 'object' || v === null || v.length !== size) badOption(name, `must hold ${size} numbers`);
  const out = Float64Array.from(v);
  if (!out.every(Number.isFinite)) {
    throw new MmtokError('MMTOK_NONFINITE', `option '${name}' has a non-finite value`, { option: name });
  }
  return out;
}

/**
 * A codebook trained by exponential moving averages, exactly as vector-quantize-pytorch's
 * EuclideanCodebook does in training mode:
 *   cluster_size ← decay·cluster_size + (1−decay)·batch_counts
 *   embed_sum    ← decay·embed_sum    + (1−decay)·batch_sums
 *   codebook     = embed_sum / (Laplace-smoothed cluster_size · Σ cluster_size)
 * then codes with cluster_size < thresholdEmaDeadCode are replaced by random batch rows.
 */
export class EmaCodebook {
  readonly codebookSize: number;
  readonly dim: number;
  readonly decay: number;
  readonly eps: number;
  readonly thresholdEmaDeadCode: number;
  readonly resetClusterSize: number;
  readonly distance: Distance;
  private current: Float32Array;
  private readonly size: Float64Array;
  private readonly sum: Float64Array;
  private readonly rng: Random;
  private readonly registry: BackendRegistry;
  private readonly backend?: string;

  constructor(options: EmaCodebookOptions) {
    if (!options || typeof options !== 'object') throw new MmtokError('MMTOK_CONFIG', 'EMA options must be an object');
    checkKeys(options, KEYS, 'EMA codebook');
    this.codebookSize = intOption('codebookSize', options.codebookSize, 0, 1);
    this.dim = intOption('dim', options.dim, 0, 1);
    this.decay = numberOption('decay', options.decay, 0.8, 0, 1);
    this.eps = numberOption('eps', options.eps, 1e-5, 0);
    this.thresholdEmaDeadCode = numberOption('thresholdEmaDeadCode', options.thresholdEmaDeadCode, 0, 0);
    this.resetClusterSize = numberOption('resetClusterSize', options.resetClusterSize, this.thresholdEmaDeadCode, 0);
    this.distance = enumOption('distance', options.distance, ['euclidean', 'cosine'] as const, 'euclidean');
    this.rng = new Random(seedOption(options.seed));
    this.backend = stringOption('backend', options.backend);
    this.registry = options.registry ?? defaultRegistry;
    const { codebookSize: k, dim } = this;
    if (options.codebook === undefined) badOption('codebook', 'is required');
    const initial = Float32Array.from(floatState('codebook', options.codebook, k * dim));
    this.current = this.distance === 'cosine' ? l2normalize(initial, k, dim) : initial;
    this.size = options.clusterSize ? floatState('clusterSize', options.clusterSize, k) : new Float64Array(k);
    this.sum = options.embedSum ? floatState('embedSum', options.embedSum, k * dim) : Float64Array.from(this.current);
  }

  /** The current codebook. Each update replaces it with a new array, so a returned one never changes. */
  get codebook(): Float32Array {
    return this.current;
  }

  /** Copies of the EMA state. */
  get clusterSize(): Float64Array {
    return Float64Array.from(this.size);
  }

  get embedSum(): Float64Array {
    return Float64Array.from(this.sum);
  }

  /** One training step on a batch [B, dim]: assign, EMA-update, smooth, re-seed dead codes. */
  async update(batch: unknown): Promise<EmaUpdate> {
    const { codebookSize: k, dim, decay } = this;
    const m = toMatrix(batch, dim, 'EMA batch');
    const x = this.distance === 'cosine' ? l2normalize(m.data, m.rows, dim) : m.data;
    const rows = m.rows;
    // On unit vectors the nearest euclidean code is the most cosine-similar one.
    const { indices, distances } = await this.registry.run(
      'kmeansAssign',
      { x, rows, dim, centroids: this.current, k },
      this.backend,
    );
    let sse = 0;
    for (let i = 0; i < rows; i++) sse += distances[i];
    const { sums, counts } = await this.registry.run(
      'kmeansUpdate',
      { x, rows, dim, assignments: indices, k },
      this.backend,
    );

    let total = 0;
    for (let c = 0; c < k; c++) {
      this.size[c] = decay * this.size[c] + (1 - decay) * counts[c];
      total += this.size[c];
    }
    for (let i = 0; i < k * dim; i++) this.sum[i] = decay * this.sum[i] + (1 - decay) * sums[i];

    // Laplace smoothing keeps every denominator positive while preserving the total mass.
    const next = new Float32Array(k * dim);
    for (let c = 0; c < k; c++) {
      const smoothed = ((this.size[c] + this.eps) / (total + k * this.eps)) * total;
      for (let j = 0; j < dim; j++) next[c * dim + j] = this.sum[c * dim + j] / smoothed;
    }
    const codebook = this.distance === 'cosine' ? l2normalize(next, k, dim) : next;
    const expired = this.expire(codebook, x, rows);
    this.current = codebook;
    return { indices, mse: sse / (rows * dim), expired, codebook };
  }

  /**
   * Dead-code restart: codes under the threshold take random rows of this batch (distinct rows
   * when the batch has enough, with replacement otherwise, as the reference samples).
   */
  private expire(codebook: Float32Array, x: Float32Array, rows: number): Int32Array {
    if (this.thresholdEmaDeadCode === 0) return new Int32Array(0);
    const dead: number[] = [];
    for (let c = 0; c < this.codebookSize; c++) if (this.size[c] < this.thresholdEmaDeadCode) dead.push(c);
    if (dead.length === 0) return new Int32Array(0);
    const picks =
      rows >= dead.length ? this.rng.sample(rows, dead.length) : Int32Array.from(dead, () => this.rng.int(rows));
    const { dim } = this;
    dead.forEach((c, i) => {
      const r = picks[i];
      for (let j = 0; j < dim; j++) {
        const v = x[r * dim + j];
        codebook[c * dim + j] = v;
        this.sum[c * dim + j] = v * this.resetClusterSize;
      }
      this.size[c] = this.resetClusterSize;
    });
    return Int32Array.from(dead);
  }
}
