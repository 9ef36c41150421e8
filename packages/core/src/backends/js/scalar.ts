import type { OpInput, OpOutput } from '../ops.js';

const f = Math.fround;

/** torch.round: round half to even. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Mixed-radix basis: the first level is the least significant digit. */
export function fsqBasis(levels: readonly number[]): number[] {
  const basis: number[] = [];
  let b = 1;
  for (const l of levels) {
    basis.push(b);
    b *= l;
  }
  return basis;
}

/**
 * Level index (0..L-1) of one value, in float32 steps as the reference computes them.
 * Standard: tanh bound with the half-step offset for even L, round half-to-even.
 * Symmetric: floor((L-1)(t+1)/2 + 1/2) with t = tanh(z), or clamp(z, -1, 1) under a hard clamp.
 */
export function fsqLevelIndex(z: number, L: number, symmetric: boolean, hardClamp: boolean): number {
  if (symmetric) {
    const t = hardClamp ? Math.min(1, Math.max(-1, z)) : f(Math.tanh(z));
    return Math.floor(f(f(f((L - 1) * f(t + 1)) / 2) + 0.5));
  }
  const halfL = f(f((L - 1) * f(1.001)) / 2);
  const offset = L % 2 === 0 ? 0.5 : 0;
  const half = Math.floor(L / 2);
  let bounded: number;
  if (hardClamp) {
    const shift = f(offset / halfL);
    bounded = f(f(Math.min(1, Math.max(-1, f(z + shift))) * halfL) - offset);
  } else {
    const shift = f(Math.atanh(f(offset / halfL)));
    bounded = f(f(f(Math.tanh(f(z + shift))) * halfL) - offset);
  }
  return roundHalfEven(bounded) + half;
}

/** Code value in [-1, 1] of a level index. */
export function fsqLevelCode(b: number, L: number, symmetric: boolean): number {
  if (symmetric) return f(f(b * f(2 / (L - 1))) - 1);
  const half = Math.floor(L / 2);
  return f((b - half) / half);
}

export function fsqEncode(i: OpInput<'fsqEncode'>): OpOutput<'fsqEncode'> {
  const { x, rows, levels, symmetric } = i;
  const dim = levels.length;
  const basis = fsqBasis(levels);
  const indices = new Int32Array(rows);
  const codes = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    let index = 0;
    for (let j = 0; j < dim; j++) {
      const b = fsqLevelIndex(x[r * dim + j], levels[j], symmetric, i.hardClamp);
      index += b * basis[j];
      codes[r * dim + j] = fsqLevelCode(b, levels[j], symmetric);
    }
    indices[r] = index;
  }
  return { indices, codes };
}

export function fsqDecode(i: OpInput<'fsqDecode'>): OpOutput<'fsqDecode'> {
  const { indices, levels, symmetric } = i;
  const dim = levels.length;
  const basis = fsqBasis(levels);
  const out = new Float32Array(indices.length * dim);
  for (let r = 0; r < indices.length; r++) {
    for (let j = 0; j < dim; j++) {
      const b = Math.floor(indices[r] / basis[j]) % levels[j];
      out[r * dim + j] = fsqLevelCode(b, levels[j], symmetric);
    }
  }
  return out;
}

/** Bit weight of dimension j: 2^(dim-1-j) with msbFirst (the reference), else 2^j. */
function bitWeight(j: number, dim: number, msbFirst: boolean): number {
  return 2 ** (msbFirst ? dim - 1 - j : j);
}

export function lfqEncode(i: OpInput<'lfqEncode'>): OpOutput<'lfqEncode'> {
  const { x, rows, dim, scale, msbFirst } = i;
  const indices = new Int32Array(rows);
  const codes = new Float32Array(rows * dim);
  const s = f(scale);
  for (let r = 0; r < rows; r++) {
    let index = 0;
    for (let j = 0; j < dim; j++) {
      const positive = x[r * dim + j] > 0;
      if (positive) index += bitWeight(j, dim, msbFirst);
      codes[r * dim + j] = positive ? s : -s;
    }
    indices[r] = index;
  }
  return { indices, codes };
}

export function lfqDecode(i: OpInput<'lfqDecode'>): OpOutput<'lfqDecode'> {
  const { indices, dim, scale, msbFirst } = i;
  const out = new Float32Array(indices.length * dim);
  const s = f(scale);
  for (let r = 0; r < indices.length; r++) {
    for (let j = 0; j < dim; j++) {
      const bit = Math.floor(indices[r] / bitWeight(j, dim, msbFirst)) % 2;
      out[r * dim + j] = bit ? s : -s;
    }
  }
  return out;
}
