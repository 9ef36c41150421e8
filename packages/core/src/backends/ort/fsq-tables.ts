import { MmtokError } from '../../errors.js';
import { fsqBasis, fsqLevelCode, fsqLevelThresholds } from '../fsq-spec.js';

/**
 * FSQ without tanh on the device: a dimension's level is a monotone step function of its float32
 * input, so it is fixed by the float32 inputs where it steps, found here by bisection over the
 * oracle's own float32 formula. onnxruntime's float tanh differs from the oracle's in the last
 * bit and a float64 tanh is slow; comparing against the thresholds reproduces the oracle exactly.
 *
 * Evaluated by a lookup: cell = trunc(clamp(x·scale + shift, lo, hi)) is monotone in x and places
 * every distinct threshold in its own cell, so one comparison with that cell's threshold decides
 * the level. Tables are indexed by 2·cell + (x ≥ threshold).
 */
export interface FsqTables {
  scale: Float32Array;
  shift: Float32Array;
  lo: Float32Array;
  hi: Float32Array;
  /** Per cell: the threshold in it, or +Infinity. */
  threshold: Float32Array;
  /** Per 2·cell + step: the level times the dimension's basis, and the level's code. */
  digit: Int32Array;
  code: Float32Array;
}

/** Cell of x exactly as the graph computes it, in float32 steps. */
function cellOf(x: number, scale: number, shift: number, lo: number, hi: number): number {
  const v = Math.fround(Math.fround(x * scale) + shift);
  return Math.trunc(Math.min(Math.max(v, lo), hi));
}

interface DimTable {
  scale: number;
  shift: number;
  cells: number;
  /** Sorted finite thresholds with repeats (a level no input reaches repeats the next one). */
  steps: number[];
  base: number;
}

const MAX_CELLS = 1 << 16;

function dimTable(levels: number, symmetric: boolean, hardClamp: boolean, offset: number): DimTable {
  const { base, thresholds } = fsqLevelThresholds(levels, symmetric, hardClamp);
  const steps = thresholds.filter(Number.isFinite);
  const distinct = [...new Set(steps)];
  if (distinct.length < 2) {
    const v = distinct[0] ?? 0;
    return { scale: 1, shift: Math.fround(offset + 1 - v), cells: 3, steps, base };
  }
  let gap = Number.POSITIVE_INFINITY;
  for (let i = 1; i < distinct.length; i++) gap = Math.min(gap, distinct[i] - distinct[i - 1]);
  const span = distinct[distinct.length - 1] - distinct[0];
  // A power-of-two scale keeps x·scale exact; two cells per smallest gap leave room for rounding.
  for (let scale = 2 ** Math.ceil(Math.log2(2 / gap)); ; scale *= 2) {
    const cells = Math.ceil(span * scale) + 3;
    if (cells > MAX_CELLS) break;
    const shift = Math.fround(offset + 1 - Math.fround(distinct[0] * scale));
    const at = distinct.map((t) => cellOf(t, scale, shift, offset, offset + cells - 1));
    if (at.every((c, i) => c > offset && c < offset + cells - 1 && (i === 0 || c > at[i - 1]))) {
      return { scale, shift, cells, steps, base };
    }
  }
  throw new MmtokError('MMTOK_CONFIG', `fsq: levels ${levels} step too finely for the ort backend's lookup`, {
    levels,
  });
}

export function fsqTables(levels: readonly number[], symmetric: boolean, hardClamp: boolean): FsqTables {
  const dim = levels.length;
  const basis = fsqBasis(levels);
  const dims: DimTable[] = [];
  let total = 0;
  for (const L of levels) {
    const t = dimTable(L, symmetric, hardClamp, total);
    dims.push(t);
    total += t.cells;
  }
  const tables: FsqTables = {
    scale: new Float32Array(dim),
    shift: new Float32Array(dim),
    lo: new Float32Array(dim),
    hi: new Float32Array(dim),
    threshold: new Float32Array(total).fill(Number.POSITIVE_INFINITY),
    digit: new Int32Array(2 * total),
    code: new Float32Array(2 * total),
  };
  let offset = 0;
  dims.forEach((t, j) => {
    tables.scale[j] = t.scale;
    tables.shift[j] = t.shift;
    tables.lo[j] = offset;
    tables.hi[j] = offset + t.cells - 1;
    const stepsIn = new Map<number, { value: number; count: number }>();
    for (const s of t.steps) {
      const c = cellOf(s, t.scale, t.shift, offset, offset + t.cells - 1);
      const e = stepsIn.get(c);
      if (e) e.count++;
      else stepsIn.set(c, { value: s, count: 1 });
    }
    let level = t.base;
    for (let c = offset; c < offset + t.cells; c++) {
      const step = stepsIn.get(c);
      if (step) tables.threshold[c] = step.value;
      const above = level + (step?.count ?? 0);
      tables.digit[2 * c] = level * basis[j];
      tables.digit[2 * c + 1] = above * basis[j];
      tables.code[2 * c] = fsqLevelCode(level, levels[j], symmetric);
      tables.code[2 * c + 1] = fsqLevelCode(above, levels[j], symmetric);
      level = above;
    }
    offset += t.cells;
  });
  return tables;
}
