import { MmtokError } from '../errors.js';
import type { TensorLike } from '../tensor.js';

/** Throws MMTOK_CONFIG naming the option and what it accepts. */
export function badOption(name: string, message: string, value?: unknown): never {
  const got = value === undefined ? '' : `, got ${typeof value === 'function' ? 'a function' : JSON.stringify(value)}`;
  throw new MmtokError('MMTOK_CONFIG', `option '${name}' ${message}${got}`, { option: name });
}

/** Rejects keys outside `allowed`: a misspelled option must not silently fall back to a default. */
export function checkKeys(options: object, allowed: readonly string[], what: string): void {
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new MmtokError('MMTOK_CONFIG', `unknown ${what} option '${key}' (allowed: ${allowed.join(', ')})`, {
        option: key,
      });
    }
  }
}

export function intOption(name: string, v: unknown, fallback: number, min: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) badOption(name, `must be an integer ≥ ${min}`, v);
  return v;
}

export function numberOption(name: string, v: unknown, fallback: number, min: number, max = Infinity): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    badOption(name, `must be a finite number in [${min}, ${max}]`, v);
  }
  return v;
}

export function enumOption<T extends string>(name: string, v: unknown, allowed: readonly T[], fallback: T): T {
  if (v === undefined) return fallback;
  if (!allowed.includes(v as T)) badOption(name, `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}`, v);
  return v as T;
}

export function functionOption<F>(name: string, v: unknown): F | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'function') badOption(name, 'must be a function', v);
  return v as F;
}

export function stringOption(name: string, v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') badOption(name, 'must be a non-empty string', v);
  return v;
}

/** Seeds are unsigned 32-bit integers (what `Random` consumes). */
export function seedOption(v: unknown): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    badOption('seed', 'must be an integer in [0, 2^32)', v);
  }
  return v;
}

/** The column count of a [N, dim] input, so k-means can run without a config naming dim. */
export function columnsOf(x: unknown, what: string): number {
  const shape = (x as TensorLike | null)?.shape;
  const dim = shape?.length === 2 ? shape[1] : undefined;
  if (dim === undefined || !Number.isInteger(dim) || dim < 1) {
    throw new MmtokError(
      'MMTOK_SHAPE',
      `${what} must be a 2-D [N, dim] array with dim ≥ 1, got shape ${shape ? `[${[...shape].join(', ')}]` : 'none'}`,
    );
  }
  return dim;
}

/** A per-run seed derived from a base seed and a position (level, group), all distinct. */
export function deriveSeed(seed: number, a: number, b = 0): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(a + 1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 15), 0x27d4eb2f) ^ Math.imul(b + 1, 0x165667b1);
  return (h ^ (h >>> 13)) >>> 0;
}
