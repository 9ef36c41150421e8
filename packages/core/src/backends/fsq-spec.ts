import { MmtokError } from '../errors.js';

/**
 * FSQ's scalar semantics (vector-quantize-pytorch, float32 steps) and the step thresholds every
 * backend derives from them.
 */
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

const bits = new Float32Array(1);
const ints = new Int32Array(bits.buffer);
const KEY_INF = 0x7f800000;

/** float32 ↔ an integer key in the floats' order (-0 and +0 share key 0). */
function keyToFloat(key: number): number {
  ints[0] = key >= 0 ? key : -2147483648 - key;
  return bits[0];
}

/**
 * The smallest float32 input reaching each level index above the lowest, found by bisection on
 * the js oracle itself. fsqLevelIndex is monotone in its input, so
 * `index(z) = base + #{thresholds ≤ z}` reproduces it bit for bit (including V8's tanh rounding):
 * device backends compare against these instead of evaluating tanh, whose last bit differs.
 * A level reached only at +Infinity has threshold +Infinity.
 */
export function fsqLevelThresholds(
  L: number,
  symmetric: boolean,
  hardClamp: boolean,
): { base: number; thresholds: number[] } {
  const index = (key: number) => fsqLevelIndex(keyToFloat(key), L, symmetric, hardClamp);
  const base = index(-KEY_INF);
  const top = index(KEY_INF);
  if (!(base >= 0 && top <= L - 1)) {
    throw new MmtokError('MMTOK_CONFIG', `FSQ level ${L}: oracle indices ${base}..${top} fall outside 0..${L - 1}`);
  }
  const thresholds: number[] = [];
  for (let b = base + 1; b <= top; b++) {
    let lo = -KEY_INF;
    let hi = KEY_INF;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (index(mid) >= b) hi = mid;
      else lo = mid + 1;
    }
    thresholds.push(keyToFloat(lo));
  }
  return { base, thresholds };
}
