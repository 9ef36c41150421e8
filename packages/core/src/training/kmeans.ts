import { defaultRegistry } from '../backends/default.js';
import { l2normalize } from '../backends/js/nearest.js';
import type { Kernel } from '../backends/ops.js';
import type { BackendRegistry } from '../backends/registry.js';
import { MmtokError } from '../errors.js';
import { Random } from '../random.js';
import { type Matrix, toMatrix } from '../tensor.js';
import {
  checkKeys,
  columnsOf,
  enumOption,
  functionOption,
  intOption,
  numberOption,
  seedOption,
  stringOption,
} from './options.js';

export type KmeansMethod = 'lloyd' | 'minibatch';
export type KmeansInit = 'kmeans++' | 'random';

export interface KmeansProgress {
  /** 0 reports the initial centroids; i ≥ 1 the centroids after i iterations (epochs for mini-batch). */
  iteration: number;
  /**
   * Mean squared error per element (sum of squared distances / (N·dim)). Lloyd: exact, of the
   * centroids after `iteration` updates. Mini-batch: the epoch's running estimate, measured on each
   * batch just before that batch moved the centroids.
   */
  mse: number;
  /** (previous − mse) / previous; Infinity at iteration 0. */
  improvement: number;
  /** Empty clusters re-seeded by the update that produced these centroids. */
  reseeded: number;
  /** Milliseconds since the run started. */
  elapsedMs: number;
}

export interface KmeansOptions {
  /** Seed of every random choice (init, shuffles); same seed and backend → identical result. Default 0. */
  seed?: number;
  /** Cap on Lloyd iterations or mini-batch epochs. Default 25. */
  iterations?: number;
  /** Stop once the relative MSE improvement of an iteration is ≤ this. Default 1e-4; 0 stops only at a fixed point. */
  tolerance?: number;
  /** 'lloyd' (full passes, default) or 'minibatch' (Sculley's per-centre running means over shuffled batches). */
  method?: KmeansMethod;
  /** Rows per mini-batch. Default 4096. */
  batchSize?: number;
  /** 'kmeans++' (default) or 'random' (k distinct rows). */
  init?: KmeansInit;
  /**
   * k-means++ seeds from a seeded random subsample of this many rows when N is larger, because
   * seeding costs O(sample·k·dim) in plain JS. Default max(8·k, 4096), capped at N.
   */
  initSampleSize?: number;
  /** Spherical k-means: rows and centroids unit-normalized (cosine similarity). Default false. */
  spherical?: boolean;
  onProgress?: (info: KmeansProgress) => void;
  /** Backend for the kmeansAssign / kmeansUpdate kernels; the best available one when omitted. */
  backend?: string;
  registry?: BackendRegistry;
}

export interface KmeansResult {
  /** [k, dim] row-major. */
  centroids: Float32Array;
  /** Nearest centroid per row, under the returned centroids. */
  assignments: Int32Array;
  /** Squared euclidean distance of each row to its centroid. */
  distances: Float32Array;
  /** Exact MSE per element of the returned centroids on the (normalized, if spherical) data. */
  mse: number;
  /** MSE per iteration, as reported to onProgress (index = iteration). */
  history: number[];
  /** Iterations (or epochs) actually run. */
  iterations: number;
  /** Whether the tolerance stopped the run before the cap. */
  converged: boolean;
  /** The backends that ran the kernels. */
  backends: { assign: string; update: string };
}

const KEYS = [
  'seed',
  'iterations',
  'tolerance',
  'method',
  'batchSize',
  'init',
  'initSampleSize',
  'spherical',
  'onProgress',
  'backend',
  'registry',
] as const;

export interface ResolvedKmeansOptions {
  seed: number;
  iterations: number;
  tolerance: number;
  method: KmeansMethod;
  batchSize: number;
  init: KmeansInit;
  initSampleSize?: number;
  spherical: boolean;
  onProgress?: (info: KmeansProgress) => void;
  backend?: string;
  registry: BackendRegistry;
}

/** Validates k-means options (MMTOK_CONFIG naming the bad one) and fills defaults. */
export function resolveKmeansOptions(options: KmeansOptions): ResolvedKmeansOptions {
  if (!options || typeof options !== 'object') badOptions();
  checkKeys(options, KEYS, 'k-means');
  if (options.spherical !== undefined && typeof options.spherical !== 'boolean') {
    throw new MmtokError('MMTOK_CONFIG', `option 'spherical' must be a boolean`, { option: 'spherical' });
  }
  if (options.registry !== undefined && typeof options.registry?.kernel !== 'function') {
    throw new MmtokError('MMTOK_CONFIG', `option 'registry' must be a BackendRegistry`, { option: 'registry' });
  }
  return {
    seed: seedOption(options.seed),
    iterations: intOption('iterations', options.iterations, 25, 0),
    tolerance: numberOption('tolerance', options.tolerance, 1e-4, 0),
    method: enumOption('method', options.method, ['lloyd', 'minibatch'] as const, 'lloyd'),
    batchSize: intOption('batchSize', options.batchSize, 4096, 1),
    init: enumOption('init', options.init, ['kmeans++', 'random'] as const, 'kmeans++'),
    initSampleSize:
      options.initSampleSize === undefined ? undefined : intOption('initSampleSize', options.initSampleSize, 0, 1),
    spherical: options.spherical ?? false,
    onProgress: functionOption('onProgress', options.onProgress),
    backend: stringOption('backend', options.backend),
    registry: options.registry ?? defaultRegistry,
  };
}

function badOptions(): never {
  throw new MmtokError('MMTOK_CONFIG', 'k-means options must be an object');
}

/**
 * k-means on the rows of `x` ([N, dim], an ndarray or { data, shape }). Assignment and
 * accumulation run on the backend registry's `kmeansAssign` / `kmeansUpdate` kernels, so a faster
 * backend is used when one is registered. Deterministic for a given seed and backend.
 */
export async function kmeans(x: unknown, k: number, options: KmeansOptions = {}): Promise<KmeansResult> {
  const opts = resolveKmeansOptions(options);
  const data = toMatrix(x, columnsOf(x, 'k-means input'), 'k-means input');
  return kmeansMatrix(data, k, opts);
}

/** k-means on already validated rows (used by fitQuantizer, which validates against a config). */
export async function kmeansMatrix(input: Matrix, k: number, opts: ResolvedKmeansOptions): Promise<KmeansResult> {
  if (!Number.isInteger(k) || k < 1) {
    throw new MmtokError('MMTOK_CONFIG', `k (the number of clusters) must be a positive integer, got ${k}`);
  }
  if (k > input.rows) {
    throw new MmtokError(
      'MMTOK_CONFIG',
      `k-means needs at least as many rows as clusters: k = ${k} but the input has ${input.rows} rows; ` +
        'pass more data or a smaller codebookSize',
      { k, rows: input.rows },
    );
  }
  const x: Matrix = opts.spherical
    ? { data: l2normalize(input.data, input.rows, input.cols), rows: input.rows, cols: input.cols }
    : input;
  const assign = await opts.registry.kernel('kmeansAssign', opts.backend);
  // The nearest-centroid search is what a named backend is for; the sums may come from another (ort has none).
  const update = await opts.registry.kernelOrBest('kmeansUpdate', opts.backend);
  const rng = new Random(opts.seed);
  const start = performance.now();
  const initial = opts.init === 'random' ? randomInit(x, k, rng) : kmeansPlusPlus(x, k, rng, opts.initSampleSize ?? 0);
  const run: Run = { x, k, opts, assign: assign.kernel, update: update.kernel, rng, start };
  const result = opts.method === 'minibatch' ? await miniBatch(run, initial) : await lloyd(run, initial);
  return { ...result, backends: { assign: assign.backend, update: update.backend } };
}

interface Run {
  x: Matrix;
  k: number;
  opts: ResolvedKmeansOptions;
  assign: Kernel<'kmeansAssign'>;
  update: Kernel<'kmeansUpdate'>;
  rng: Random;
  start: number;
}

type Fitted = Omit<KmeansResult, 'backends'>;

function sumOf(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

function report(run: Run, iteration: number, mse: number, prev: number, reseeded: number): number {
  const improvement = iteration === 0 ? Number.POSITIVE_INFINITY : prev > 0 ? (prev - mse) / prev : 0;
  run.opts.onProgress?.({ iteration, mse, improvement, reseeded, elapsedMs: performance.now() - run.start });
  return improvement;
}

/** Assign, stop if the cap or tolerance says so, else move each centroid to its cluster's mean. */
async function lloyd(run: Run, initial: Float32Array): Promise<Fitted> {
  const { x, k, opts } = run;
  const { rows, cols: dim } = x;
  let centroids = initial;
  let reseeded = 0;
  const history: number[] = [];
  for (let iteration = 0; ; iteration++) {
    const { indices, distances } = await run.assign({ x: x.data, rows, dim, centroids, k });
    const mse = sumOf(distances) / (rows * dim);
    const improvement = report(run, iteration, mse, history[iteration - 1], reseeded);
    history.push(mse);
    const converged = iteration > 0 && improvement <= opts.tolerance;
    if (converged || iteration === opts.iterations) {
      return { centroids, assignments: indices, distances, mse, history, iterations: iteration, converged };
    }
    const { sums, counts } = await run.update({ x: x.data, rows, dim, assignments: indices, k });
    // A new array every iteration: backends may cache device copies keyed by the centroid array.
    const next = new Float32Array(k * dim);
    const empty: number[] = [];
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) {
        empty.push(c);
        continue;
      }
      for (let j = 0; j < dim; j++) next[c * dim + j] = sums[c * dim + j] / counts[c];
    }
    if (opts.spherical) normalizeRows(next, k, dim);
    reseedFarthest(x, next, empty, distances);
    reseeded = empty.length;
    centroids = next;
  }
}

/**
 * Mini-batch k-means (Sculley 2010): each centre is the running mean of every row ever assigned
 * to it, updated batch by batch over a fresh seeded shuffle each epoch. `iterations` counts epochs.
 */
async function miniBatch(run: Run, initial: Float32Array): Promise<Fitted> {
  const { x, k, opts, rng } = run;
  const { rows, cols: dim } = x;
  const batchSize = Math.min(opts.batchSize, rows);
  let centroids = initial;
  const seen = new Float64Array(k);
  const order = Int32Array.from({ length: rows }, (_, i) => i);
  const lastDistance = new Float32Array(rows);
  const history: number[] = [];
  let reseeded = 0;
  let converged = false;
  let epoch = 0;
  while (epoch < opts.iterations) {
    epoch++;
    shuffle(order, rng);
    const epochCounts = new Float64Array(k);
    let sse = 0;
    for (let b0 = 0; b0 < rows; b0 += batchSize) {
      const n = Math.min(batchSize, rows - b0);
      const batch = new Float32Array(n * dim);
      for (let i = 0; i < n; i++) batch.set(x.data.subarray(order[b0 + i] * dim, (order[b0 + i] + 1) * dim), i * dim);
      const { indices, distances } = await run.assign({ x: batch, rows: n, dim, centroids, k });
      for (let i = 0; i < n; i++) lastDistance[order[b0 + i]] = distances[i];
      sse += sumOf(distances);
      const { sums, counts } = await run.update({ x: batch, rows: n, dim, assignments: indices, k });
      const next = Float32Array.from(centroids);
      for (let c = 0; c < k; c++) {
        if (counts[c] === 0) continue;
        epochCounts[c] += counts[c];
        seen[c] += counts[c];
        // Running mean: old + (batch sum − count·old) / total count.
        for (let j = 0; j < dim; j++) {
          const o = next[c * dim + j];
          next[c * dim + j] = o + (sums[c * dim + j] - counts[c] * o) / seen[c];
        }
      }
      if (opts.spherical) normalizeRows(next, k, dim);
      centroids = next;
    }
    const empty: number[] = [];
    for (let c = 0; c < k; c++) if (epochCounts[c] === 0) empty.push(c);
    if (empty.length > 0) {
      const next = Float32Array.from(centroids);
      reseedFarthest(x, next, empty, lastDistance);
      for (const c of empty) seen[c] = 0;
      centroids = next;
    }
    reseeded = empty.length;
    const mse = sse / (rows * dim);
    const improvement = report(run, epoch, mse, history[history.length - 1], reseeded);
    history.push(mse);
    if (epoch > 1 && improvement <= opts.tolerance) {
      converged = true;
      break;
    }
  }
  const { indices, distances } = await run.assign({ x: x.data, rows, dim, centroids, k });
  const mse = sumOf(distances) / (rows * dim);
  return { centroids, assignments: indices, distances, mse, history, iterations: epoch, converged };
}

function shuffle(a: Int32Array, rng: Random): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

function normalizeRows(a: Float32Array, rows: number, dim: number): void {
  a.set(l2normalize(a, rows, dim));
}

/**
 * Empty clusters take the rows farthest from their centroid (ties to the lower row), one distinct
 * row each: deterministic, and it splits the worst-served regions first.
 */
function reseedFarthest(x: Matrix, centroids: Float32Array, empty: readonly number[], distances: Float32Array): void {
  if (empty.length === 0) return;
  const dim = x.cols;
  const order = Int32Array.from({ length: x.rows }, (_, i) => i).sort((a, b) => distances[b] - distances[a] || a - b);
  empty.forEach((c, i) => {
    const r = order[i];
    centroids.set(x.data.subarray(r * dim, (r + 1) * dim), c * dim);
  });
}

function randomInit(x: Matrix, k: number, rng: Random): Float32Array {
  const rowsPicked = rng.sample(x.rows, k);
  return gatherRows(x, rowsPicked);
}

function gatherRows(x: Matrix, picked: Int32Array): Float32Array {
  const dim = x.cols;
  const out = new Float32Array(picked.length * dim);
  picked.forEach((r, i) => {
    out.set(x.data.subarray(r * dim, (r + 1) * dim), i * dim);
  });
  return out;
}

/**
 * k-means++ (Arthur & Vassilvitskii 2007): the first centre uniformly at random, each next one a
 * row drawn with probability proportional to its squared distance to the nearest centre so far.
 * Runs on a seeded subsample when N exceeds the sample size (see KmeansOptions.initSampleSize).
 */
export function kmeansPlusPlus(x: Matrix, k: number, rng: Random, sampleSize = 0): Float32Array {
  const dim = x.cols;
  const m = Math.min(x.rows, Math.max(k, sampleSize > 0 ? sampleSize : Math.max(8 * k, 4096)));
  const pool = m < x.rows ? gatherRows(x, rng.sample(x.rows, m).sort()) : x.data;
  const out = new Float32Array(k * dim);
  const d2 = new Float64Array(m).fill(Number.POSITIVE_INFINITY);
  let pick = rng.int(m);
  for (let c = 0; ; c++) {
    out.set(pool.subarray(pick * dim, (pick + 1) * dim), c * dim);
    if (c === k - 1) break;
    let total = 0;
    for (let r = 0; r < m; r++) {
      const best = d2[r];
      let d = 0;
      // Partial sums only grow, so stop once this centre cannot be the nearer one.
      for (let j = 0; j < dim && d < best; j++) {
        const t = pool[r * dim + j] - pool[pick * dim + j];
        d += t * t;
      }
      if (d < best) d2[r] = d;
      total += d2[r];
    }
    if (total > 0) {
      let target = rng.next() * total;
      pick = m - 1;
      for (let r = 0; r < m; r++) {
        target -= d2[r];
        if (target < 0 && d2[r] > 0) {
          pick = r;
          break;
        }
      }
      while (d2[pick] === 0) pick--; // float round-off at the tail: take the last row with weight
    } else {
      pick = rng.int(m); // every row sits on a centre: any pick is a duplicate
    }
  }
  return out;
}
