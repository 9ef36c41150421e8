import { MmtokError, type TensorLike } from '@mmtok/core';

/** A code is dead when its count is ≤ `absolute`, or < `relativeToMean` × (total / K). */
export type DeadThreshold = { absolute: number } | { relativeToMean: number };

/** Optional per-dimension structure of the code index, for FSQ / LFQ statistics. */
export type CodeStructure =
  /** FSQ: index = Σ digit_d · Π_{e<d} levels_e (first dimension least significant, as vector-quantize-pytorch). */
  | { type: 'fsq'; levels: readonly number[] }
  /** LFQ: `bits` sign bits, the first dimension the most significant bit. */
  | { type: 'lfq'; bits: number };

export interface StatsOptions {
  /** Default { absolute: 0 }: a code never used is dead. */
  dead?: DeadThreshold;
  /** Top-k shares to report (k > K are skipped). Default [1, 10, 100]. */
  topK?: readonly number[];
  /** Longest dead-id list kept (the count is always exact). Default 4096. */
  maxDeadIds?: number;
  /** Keep the raw per-code counts in the result (for histograms). Default: when K ≤ 65536. */
  includeCounts?: boolean;
}

export interface FsqDimensionStats {
  dimension: number;
  levels: number;
  /** Share of rows at each level value of this dimension. */
  occupancy: number[];
  /** Fraction of level values used at least once. */
  utilization: number;
  entropyBits: number;
  /** entropy / log2(levels); 1 = all level values equally used. */
  normalizedEntropy: number;
}

export interface LfqBitStats {
  /** P(bit = 1) per dimension; 0.5 is balanced. */
  balance: number[];
  entropyBits: number[];
  /** Pearson correlation between bits [bits][bits]; null where a bit is constant. */
  correlation: (number | null)[][];
  /** Mean |correlation| over distinct pairs with a defined value (0 when none). */
  meanAbsCorrelation: number;
}

export interface LevelStats {
  level: number;
  codebookSize: number;
  /** Number of indices counted at this level (dropped levels excluded). */
  total: number;
  used: number;
  /** used / codebookSize. */
  utilization: number;
  entropyBits: number;
  /** 2^entropyBits = exp(entropy in nats); K for uniform usage, 1 for a single code. */
  perplexity: number;
  /** entropyBits / log2(K); 1 = uniform. */
  normalizedEntropy: number;
  dead: { threshold: DeadThreshold; count: number; ids: number[]; idsTruncated: boolean };
  topKShare: { k: number; share: number }[];
  /** Gini coefficient of the usage counts: 0 uniform, (K−1)/K all on one code. */
  gini: number;
  counts?: number[];
  fsq?: FsqDimensionStats[];
  lfq?: LfqBitStats;
}

export interface JointStats {
  /** Distinct index tuples seen across levels. */
  distinct: number;
  total: number;
  entropyBits: number;
  perplexity: number;
  /** entropyBits / (levels · log2 K). */
  normalizedEntropy: number;
}

export interface CodebookHealth {
  codebookSize: number;
  levels: number;
  /** Rows seen (an [N, levels] batch adds N). */
  rows: number;
  perLevel: LevelStats[];
  joint?: JointStats;
  structure?: CodeStructure;
}

function entropyOf(counts: ArrayLike<number>, total: number): number {
  let h = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i];
    if (c > 0) {
      const p = c / total;
      h -= p * Math.log2(p);
    }
  }
  return h;
}

function checkDead(t: DeadThreshold): void {
  const v = 'absolute' in t ? t.absolute : t.relativeToMean;
  if (!Number.isFinite(v) || v < 0) throw new MmtokError('MMTOK_CONFIG', `dead-code threshold must be ≥ 0, got ${v}`);
}

/** Usage statistics of one codebook from its per-code counts. */
export function usageStats(counts: ArrayLike<number>, options: StatsOptions & { level?: number } = {}): LevelStats {
  const k = counts.length;
  if (k === 0) throw new MmtokError('MMTOK_EMPTY', 'usageStats: counts are empty (codebook size 0)');
  let total = 0;
  let used = 0;
  for (let i = 0; i < k; i++) {
    const c = counts[i];
    if (!Number.isFinite(c) || c < 0) {
      throw new MmtokError('MMTOK_NONFINITE', `usageStats: count for code ${i} is ${c}; counts must be finite and ≥ 0`);
    }
    total += c;
    if (c > 0) used++;
  }
  if (total === 0) throw new MmtokError('MMTOK_EMPTY', 'usageStats: no indices were counted');
  const dead = options.dead ?? { absolute: 0 };
  checkDead(dead);
  const maxIds = options.maxDeadIds ?? 4096;
  const limit = 'absolute' in dead ? dead.absolute : dead.relativeToMean * (total / k);
  const isDead = 'absolute' in dead ? (c: number) => c <= limit : (c: number) => c < limit;
  const ids: number[] = [];
  let deadCount = 0;
  for (let i = 0; i < k; i++) {
    if (isDead(counts[i])) {
      deadCount++;
      if (ids.length < maxIds) ids.push(i);
    }
  }
  const sorted = Float64Array.from(counts).sort();
  // Gini from ascending counts: Σ (2i − K − 1)·c_i / (K · Σ c), i = 1..K.
  let g = 0;
  for (let i = 0; i < k; i++) g += (2 * (i + 1) - k - 1) * sorted[i];
  const gini = g / (k * total);
  const topKShare: { k: number; share: number }[] = [];
  for (const kk of options.topK ?? [1, 10, 100]) {
    if (!Number.isInteger(kk) || kk < 1 || kk > k) continue;
    let s = 0;
    for (let i = 0; i < kk; i++) s += sorted[k - 1 - i];
    topKShare.push({ k: kk, share: s / total });
  }
  const h = entropyOf(counts, total);
  const includeCounts = options.includeCounts ?? k <= 65536;
  return {
    level: options.level ?? 0,
    codebookSize: k,
    total,
    used,
    utilization: used / k,
    entropyBits: h,
    perplexity: 2 ** h,
    normalizedEntropy: k > 1 ? h / Math.log2(k) : 1,
    dead: { threshold: dead, count: deadCount, ids, idsTruncated: deadCount > ids.length },
    topKShare,
    gini,
    ...(includeCounts ? { counts: Array.from(counts) } : {}),
  };
}

function checkStructure(s: CodeStructure, codebookSize: number): void {
  if (s.type === 'fsq') {
    if (s.levels.length === 0 || s.levels.some((l) => !Number.isInteger(l) || l < 2)) {
      throw new MmtokError('MMTOK_CONFIG', `FSQ levels must be integers ≥ 2, got [${s.levels.join(', ')}]`);
    }
    const size = s.levels.reduce((a, b) => a * b, 1);
    if (size !== codebookSize) {
      throw new MmtokError(
        'MMTOK_CONFIG',
        `FSQ levels [${s.levels.join(', ')}] give ${size} codes but codebookSize is ${codebookSize}`,
      );
    }
  } else if (!Number.isInteger(s.bits) || s.bits < 1 || s.bits > 30 || 2 ** s.bits !== codebookSize) {
    throw new MmtokError(
      'MMTOK_CONFIG',
      `LFQ bits (${s.bits}) must satisfy 2^bits = codebookSize (${codebookSize}), bits ≤ 30`,
    );
  }
}

/** FSQ per-dimension level occupancy, derived from per-code counts. */
export function fsqDimensionStats(counts: ArrayLike<number>, levels: readonly number[]): FsqDimensionStats[] {
  checkStructure({ type: 'fsq', levels }, counts.length);
  const occ = levels.map((l) => new Float64Array(l));
  let total = 0;
  for (let code = 0; code < counts.length; code++) {
    const c = counts[code];
    if (c === 0) continue;
    total += c;
    let rest = code;
    for (let d = 0; d < levels.length; d++) {
      occ[d][rest % levels[d]] += c;
      rest = Math.floor(rest / levels[d]);
    }
  }
  if (total === 0) throw new MmtokError('MMTOK_EMPTY', 'fsqDimensionStats: no indices were counted');
  return levels.map((l, d) => {
    const h = entropyOf(occ[d], total);
    let usedLevels = 0;
    for (const v of occ[d]) if (v > 0) usedLevels++;
    return {
      dimension: d,
      levels: l,
      occupancy: Array.from(occ[d], (v) => v / total),
      utilization: usedLevels / l,
      entropyBits: h,
      normalizedEntropy: h / Math.log2(l),
    };
  });
}

/** LFQ bit balance and bit-bit correlation, derived from per-code counts. */
export function lfqBitStats(counts: ArrayLike<number>, bits: number): LfqBitStats {
  checkStructure({ type: 'lfq', bits }, counts.length);
  const ones = new Float64Array(bits);
  const both = new Float64Array(bits * bits);
  let total = 0;
  const b = new Uint8Array(bits);
  for (let code = 0; code < counts.length; code++) {
    const c = counts[code];
    if (c === 0) continue;
    total += c;
    for (let d = 0; d < bits; d++) b[d] = (code >> (bits - 1 - d)) & 1;
    for (let i = 0; i < bits; i++) {
      if (!b[i]) continue;
      ones[i] += c;
      for (let j = i + 1; j < bits; j++) if (b[j]) both[i * bits + j] += c;
    }
  }
  if (total === 0) throw new MmtokError('MMTOK_EMPTY', 'lfqBitStats: no indices were counted');
  const p = Array.from(ones, (v) => v / total);
  const correlation: (number | null)[][] = [];
  let sumAbs = 0;
  let pairs = 0;
  for (let i = 0; i < bits; i++) {
    const row: (number | null)[] = [];
    for (let j = 0; j < bits; j++) {
      const vi = p[i] * (1 - p[i]);
      const vj = p[j] * (1 - p[j]);
      if (vi === 0 || vj === 0) {
        row.push(null);
        continue;
      }
      if (i === j) {
        row.push(1);
        continue;
      }
      const pij = both[Math.min(i, j) * bits + Math.max(i, j)] / total;
      const r = (pij - p[i] * p[j]) / Math.sqrt(vi * vj);
      row.push(r);
      if (j > i) {
        sumAbs += Math.abs(r);
        pairs++;
      }
    }
    correlation.push(row);
  }
  const entropyBits = p.map((q) => (q === 0 || q === 1 ? 0 : -(q * Math.log2(q) + (1 - q) * Math.log2(1 - q))));
  return { balance: p, entropyBits, correlation, meanAbsCorrelation: pairs ? sumAbs / pairs : 0 };
}

export interface AccumulatorOptions {
  codebookSize: number;
  /** Quantizer levels (RVQ depth); batches are [N] when 1, [N, levels] otherwise. Default 1. */
  levels?: number;
  /** Track the joint distribution of index tuples across levels. Default: levels > 1. */
  joint?: boolean;
  /** Accept −1 as a dropped residual level (skipped). Default false. */
  allowDropped?: boolean;
  structure?: CodeStructure;
}

function isTensorLike(x: unknown): x is TensorLike {
  return typeof x === 'object' && x !== null && 'data' in x && 'shape' in x;
}

/**
 * Streaming usage counter: `update` with batches of indices, `merge` partial results from workers
 * or shards, `stats` whenever you need the numbers. Counts are float64, exact up to 2^53.
 */
export class CodebookAccumulator {
  readonly codebookSize: number;
  readonly levels: number;
  readonly trackJoint: boolean;
  readonly allowDropped: boolean;
  readonly structure?: CodeStructure;
  /** Per-level counts, each of length codebookSize. */
  readonly counts: Float64Array[];
  private jointCounts?: Map<number | string, number>;
  private rowsSeen = 0;
  private readonly numericJoint: boolean;

  constructor(options: AccumulatorOptions) {
    const { codebookSize } = options;
    const levels = options.levels ?? 1;
    if (!Number.isInteger(codebookSize) || codebookSize < 1) {
      throw new MmtokError('MMTOK_CONFIG', `codebookSize must be a positive integer, got ${codebookSize}`);
    }
    if (!Number.isInteger(levels) || levels < 1)
      throw new MmtokError('MMTOK_CONFIG', `levels must be a positive integer, got ${levels}`);
    if (options.structure) checkStructure(options.structure, codebookSize);
    this.codebookSize = codebookSize;
    this.levels = levels;
    this.trackJoint = options.joint ?? levels > 1;
    this.allowDropped = options.allowDropped ?? false;
    this.structure = options.structure;
    this.counts = Array.from({ length: levels }, () => new Float64Array(codebookSize));
    // Tuple keys stay numbers while (K+1)^levels fits in a double exactly; strings beyond.
    this.numericJoint = (codebookSize + 1) ** levels <= Number.MAX_SAFE_INTEGER;
    if (this.trackJoint) this.jointCounts = new Map();
  }

  get rows(): number {
    return this.rowsSeen;
  }

  /** Adds a batch: [N] (levels = 1) or [N, levels], as a typed array, array, ndarray or { data, shape }. */
  update(indices: TensorLike | ArrayLike<number>): this {
    let data: ArrayLike<number>;
    let rows: number;
    let offset = 0;
    if (isTensorLike(indices)) {
      const shape = indices.shape;
      const ok = (shape.length === 1 && this.levels === 1) || (shape.length === 2 && shape[1] === this.levels);
      if (!ok) {
        const want = this.levels === 1 ? '[N] or [N, 1]' : `[N, ${this.levels}]`;
        throw new MmtokError('MMTOK_SHAPE', `indices must have shape ${want}, got [${shape.join(', ')}]`);
      }
      rows = shape[0];
      if (
        indices.stride &&
        !(shape.length === 1 ? indices.stride[0] === 1 : indices.stride[1] === 1 && indices.stride[0] === this.levels)
      ) {
        // Rare strided views: copy into row-major order once.
        const n = rows * this.levels;
        const copy = new Float64Array(n);
        const s0 = indices.stride[0];
        const s1 = shape.length === 2 ? indices.stride[1] : 0;
        for (let r = 0; r < rows; r++)
          for (let l = 0; l < this.levels; l++)
            copy[r * this.levels + l] = indices.data[(indices.offset ?? 0) + r * s0 + l * s1];
        data = copy;
      } else {
        data = indices.data;
        offset = indices.offset ?? 0;
        if (data.length - offset < rows * this.levels) {
          throw new MmtokError(
            'MMTOK_SHAPE',
            `indices have shape [${shape.join(', ')}] but only ${data.length - offset} values`,
          );
        }
      }
    } else if (indices !== null && typeof indices === 'object' && typeof indices.length === 'number') {
      if (this.levels !== 1) {
        throw new MmtokError(
          'MMTOK_SHAPE',
          `a flat index array needs levels = 1; pass { data, shape: [N, ${this.levels}] }`,
        );
      }
      data = indices;
      rows = indices.length;
    } else {
      throw new MmtokError('MMTOK_SHAPE', 'indices must be a typed array, an array, an ndarray or { data, shape }');
    }
    if (rows === 0) throw new MmtokError('MMTOK_EMPTY', 'indices batch is empty');
    this.validate(data, offset, rows * this.levels);
    this.count(data, offset, rows);
    this.rowsSeen += rows;
    return this;
  }

  /** Checks the whole batch before counting, so a bad batch leaves the accumulator unchanged. */
  private validate(data: ArrayLike<number>, offset: number, n: number): void {
    const k = this.codebookSize;
    const integerTyped =
      data instanceof Int32Array ||
      data instanceof Uint16Array ||
      data instanceof Uint32Array ||
      data instanceof Uint8Array ||
      data instanceof Int16Array;
    for (let i = 0; i < n; i++) {
      const v = data[offset + i];
      if (v >= 0 && v < k && (integerTyped || Number.isInteger(v))) continue;
      if (v === -1 && this.allowDropped) continue;
      const row = Math.floor(i / this.levels);
      const level = i % this.levels;
      throw new MmtokError(
        Number.isNaN(v) ? 'MMTOK_NONFINITE' : 'MMTOK_INDEX_RANGE',
        `index ${v} at row ${row}, level ${level} is not an integer in [0, ${k})${this.allowDropped ? ' or −1' : ''}`,
        { row, level, value: v },
      );
    }
  }

  private count(data: ArrayLike<number>, offset: number, rows: number): void {
    const L = this.levels;
    if (L === 1) {
      const c = this.counts[0];
      for (let i = 0; i < rows; i++) {
        const v = data[offset + i];
        if (v >= 0) c[v]++;
      }
    } else {
      for (let i = 0; i < rows; i++) {
        const base = offset + i * L;
        for (let l = 0; l < L; l++) {
          const v = data[base + l];
          if (v >= 0) this.counts[l][v]++;
        }
      }
    }
    const joint = this.jointCounts;
    if (!joint) return;
    const K1 = this.codebookSize + 1;
    for (let i = 0; i < rows; i++) {
      const base = offset + i * L;
      let key: number | string;
      if (this.numericJoint) {
        // Shift by one so a dropped level (−1) gets its own digit.
        let k = 0;
        for (let l = L - 1; l >= 0; l--) k = k * K1 + (data[base + l] + 1);
        key = k;
      } else {
        const parts: number[] = [];
        for (let l = 0; l < L; l++) parts.push(data[base + l]);
        key = parts.join(',');
      }
      joint.set(key, (joint.get(key) ?? 0) + 1);
    }
  }

  /** Adds another accumulator's counts into this one (same codebookSize, levels and joint tracking). */
  merge(other: CodebookAccumulator): this {
    if (
      other.codebookSize !== this.codebookSize ||
      other.levels !== this.levels ||
      other.trackJoint !== this.trackJoint
    ) {
      throw new MmtokError(
        'MMTOK_MISMATCH',
        `cannot merge accumulators with K=${other.codebookSize}, levels=${other.levels}, joint=${other.trackJoint} into K=${this.codebookSize}, levels=${this.levels}, joint=${this.trackJoint}`,
      );
    }
    for (let l = 0; l < this.levels; l++) {
      const a = this.counts[l];
      const b = other.counts[l];
      for (let i = 0; i < a.length; i++) a[i] += b[i];
    }
    if (this.jointCounts && other.jointCounts) {
      for (const [key, c] of other.jointCounts) this.jointCounts.set(key, (this.jointCounts.get(key) ?? 0) + c);
    }
    this.rowsSeen += other.rowsSeen;
    return this;
  }

  /** A new accumulator holding this one's counts plus `other`'s; neither input changes. */
  static merged(a: CodebookAccumulator, b: CodebookAccumulator): CodebookAccumulator {
    return a.clone().merge(b);
  }

  clone(): CodebookAccumulator {
    const c = new CodebookAccumulator({
      codebookSize: this.codebookSize,
      levels: this.levels,
      joint: this.trackJoint,
      allowDropped: this.allowDropped,
      structure: this.structure,
    });
    return c.merge(this);
  }

  /** Health numbers per level, jointly across levels, and per dimension for FSQ/LFQ structures. */
  stats(options: StatsOptions = {}): CodebookHealth {
    if (this.rowsSeen === 0) throw new MmtokError('MMTOK_EMPTY', 'no indices have been added; call update() first');
    const perLevel = this.counts.map((c, level) => {
      const s = usageStats(c, { ...options, level });
      if (this.structure?.type === 'fsq') s.fsq = fsqDimensionStats(c, this.structure.levels);
      if (this.structure?.type === 'lfq') s.lfq = lfqBitStats(c, this.structure.bits);
      return s;
    });
    const health: CodebookHealth = {
      codebookSize: this.codebookSize,
      levels: this.levels,
      rows: this.rowsSeen,
      perLevel,
    };
    if (this.structure) health.structure = this.structure;
    if (this.jointCounts) {
      const values = Array.from(this.jointCounts.values());
      const total = values.reduce((a, b) => a + b, 0);
      const h = entropyOf(values, total);
      health.joint = {
        distinct: values.length,
        total,
        entropyBits: h,
        perplexity: 2 ** h,
        normalizedEntropy: this.codebookSize > 1 ? h / (this.levels * Math.log2(this.codebookSize)) : 1,
      };
    }
    return health;
  }
}

/** One-shot convenience: counts a single batch and returns its health. */
export function codebookStats(
  indices: TensorLike | ArrayLike<number>,
  options: AccumulatorOptions & StatsOptions,
): CodebookHealth {
  return new CodebookAccumulator(options).update(indices).stats(options);
}
