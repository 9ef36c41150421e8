import { MmtokError } from './errors.js';

export type Distance = 'euclidean' | 'cosine';
export type BitOrder = 'msb' | 'lsb';
/** Weights may arrive as typed arrays or, from JSON, as number arrays. */
export type Weights = Float32Array | readonly number[];

export interface VqConfig {
  type: 'vq';
  dim: number;
  codebookSize: number;
  distance?: Distance;
  codebook?: Weights;
  /** Seed of the random normal codebook used when none is given. */
  seed?: number;
}

export interface RvqConfig {
  type: 'rvq';
  dim: number;
  codebookSize: number;
  numQuantizers: number;
  codebooks?: readonly Weights[];
  seed?: number;
}

export interface FsqConfig {
  type: 'fsq';
  levels: readonly number[];
  /** Symmetry-preserving levels (required when a level is 2). */
  preserveSymmetry?: boolean;
  /** Bound with clamp(-1, 1) instead of tanh. */
  boundHardClamp?: boolean;
}

export interface LfqConfig {
  type: 'lfq';
  dim: number;
  codebookScale?: number;
  /** 'msb': the first dimension is the most significant bit (the reference); 'lsb': the least. */
  bitOrder?: BitOrder;
}

export interface ResidualFsqConfig {
  type: 'residual-fsq';
  levels: readonly number[];
  numQuantizers: number;
  /** Soft-clamp the input and hard-clamp each level, as the reference does by default. */
  boundHardClamp?: boolean;
}

export interface ResidualLfqConfig {
  type: 'residual-lfq';
  dim: number;
  numQuantizers: number;
  codebookScale?: number;
  bitOrder?: BitOrder;
}

/** The feature dimension split into consecutive groups, one quantizer each. */
export interface GroupedConfig {
  type: 'grouped';
  quantizers: readonly QuantizerConfig[];
}

export type QuantizerConfig =
  | VqConfig
  | RvqConfig
  | FsqConfig
  | LfqConfig
  | ResidualFsqConfig
  | ResidualLfqConfig
  | GroupedConfig;

export type QuantizerType = QuantizerConfig['type'];

const KEYS: Record<QuantizerType, { required: string[]; optional: string[] }> = {
  vq: { required: ['dim', 'codebookSize'], optional: ['distance', 'codebook', 'seed'] },
  rvq: { required: ['dim', 'codebookSize', 'numQuantizers'], optional: ['codebooks', 'seed'] },
  fsq: { required: ['levels'], optional: ['preserveSymmetry', 'boundHardClamp'] },
  lfq: { required: ['dim'], optional: ['codebookScale', 'bitOrder'] },
  'residual-fsq': { required: ['levels', 'numQuantizers'], optional: ['boundHardClamp'] },
  'residual-lfq': { required: ['dim', 'numQuantizers'], optional: ['codebookScale', 'bitOrder'] },
  grouped: { required: ['quantizers'], optional: [] },
};

function fail(where: string, message: string): never {
  throw new MmtokError('MMTOK_CONFIG', `${where}: ${message}`, { where });
}

function positiveInt(v: unknown, where: string, max = 2 ** 31 - 1): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) {
    fail(where, `must be an integer in [1, ${max}], got ${JSON.stringify(v)}`);
  }
  return v;
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], where: string): T | undefined {
  if (v === undefined) return undefined;
  if (!allowed.includes(v as T))
    fail(where, `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
}

function bool(v: unknown, where: string): void {
  if (v !== undefined && typeof v !== 'boolean') fail(where, `must be a boolean, got ${JSON.stringify(v)}`);
}

function levels(v: unknown, where: string): number[] {
  if (!Array.isArray(v) || v.length === 0) fail(where, 'must be a non-empty array of integers ≥ 2');
  const ls = v.map((l, i) => positiveInt(l, `${where}[${i}]`));
  if (ls.some((l) => l < 2)) fail(where, 'every level must be ≥ 2');
  if (ls.reduce((a, b) => a * b, 1) > 2 ** 31 - 1) fail(where, 'the product of levels must fit an int32 index');
  return ls;
}

function weights(v: unknown, size: number, where: string): void {
  if (v === undefined) return;
  if (!(v instanceof Float32Array) && !Array.isArray(v)) fail(where, 'must be a Float32Array or an array of numbers');
  const w = v as ArrayLike<number>;
  if (w.length !== size) fail(where, `must hold ${size} values, got ${w.length}`);
  for (let i = 0; i < w.length; i++) {
    if (!Number.isFinite(w[i])) {
      throw new MmtokError('MMTOK_NONFINITE', `${where} has a non-finite value at ${i}`, { where, index: i });
    }
  }
}

/** Checks a config's type, keys and values; throws MMTOK_CONFIG naming the offending key. */
export function validateConfig(config: unknown, where = 'config'): QuantizerConfig {
  if (!config || typeof config !== 'object' || Array.isArray(config)) fail(where, 'must be an object');
  const c = config as Record<string, unknown>;
  const type = c.type as QuantizerType;
  const spec = KEYS[type];
  if (!spec)
    fail(
      `${where}.type`,
      `unknown quantizer type ${JSON.stringify(c.type)}; expected one of ${Object.keys(KEYS).join(', ')}`,
    );
  for (const key of Object.keys(c)) {
    if (key !== 'type' && !spec.required.includes(key) && !spec.optional.includes(key)) {
      fail(
        `${where}.${key}`,
        `unknown key for a '${type}' quantizer (allowed: ${[...spec.required, ...spec.optional].join(', ')})`,
      );
    }
  }
  for (const key of spec.required) if (c[key] === undefined) fail(`${where}.${key}`, 'is required');

  switch (type) {
    case 'vq': {
      const dim = positiveInt(c.dim, `${where}.dim`);
      const size = positiveInt(c.codebookSize, `${where}.codebookSize`);
      oneOf(c.distance, ['euclidean', 'cosine'] as const, `${where}.distance`);
      weights(c.codebook, size * dim, `${where}.codebook`);
      break;
    }
    case 'rvq': {
      const dim = positiveInt(c.dim, `${where}.dim`);
      const size = positiveInt(c.codebookSize, `${where}.codebookSize`);
      const q = positiveInt(c.numQuantizers, `${where}.numQuantizers`, 1024);
      if (c.codebooks !== undefined) {
        if (!Array.isArray(c.codebooks) || c.codebooks.length !== q)
          fail(`${where}.codebooks`, `must be an array of ${q} codebooks`);
        for (const [l, cb] of (c.codebooks as unknown[]).entries()) weights(cb, size * dim, `${where}.codebooks[${l}]`);
      }
      break;
    }
    case 'fsq': {
      const ls = levels(c.levels, `${where}.levels`);
      bool(c.preserveSymmetry, `${where}.preserveSymmetry`);
      bool(c.boundHardClamp, `${where}.boundHardClamp`);
      if (ls.includes(2) && !c.preserveSymmetry) fail(`${where}.levels`, 'a level of 2 needs preserveSymmetry: true');
      break;
    }
    case 'lfq':
    case 'residual-lfq': {
      positiveInt(c.dim, `${where}.dim`, 30);
      if (type === 'residual-lfq') positiveInt(c.numQuantizers, `${where}.numQuantizers`, 1024);
      if (
        c.codebookScale !== undefined &&
        !(typeof c.codebookScale === 'number' && c.codebookScale > 0 && Number.isFinite(c.codebookScale))
      ) {
        fail(`${where}.codebookScale`, 'must be a positive finite number');
      }
      oneOf(c.bitOrder, ['msb', 'lsb'] as const, `${where}.bitOrder`);
      break;
    }
    case 'residual-fsq':
      levels(c.levels, `${where}.levels`);
      positiveInt(c.numQuantizers, `${where}.numQuantizers`, 1024);
      bool(c.boundHardClamp, `${where}.boundHardClamp`);
      break;
    case 'grouped': {
      if (!Array.isArray(c.quantizers) || c.quantizers.length === 0)
        fail(`${where}.quantizers`, 'must be a non-empty array of configs');
      c.quantizers.forEach((q: unknown, g: number) => {
        const inner = validateConfig(q, `${where}.quantizers[${g}]`);
        if (inner.type === 'grouped') fail(`${where}.quantizers[${g}]`, 'groups cannot nest');
      });
      break;
    }
  }
  return c as unknown as QuantizerConfig;
}

/** The config without weights: what goes into JSON next to a weights file. */
export function configWithoutWeights(config: QuantizerConfig): QuantizerConfig {
  switch (config.type) {
    case 'vq': {
      const { codebook: _codebook, ...rest } = config;
      return rest;
    }
    case 'rvq': {
      const { codebooks: _codebooks, ...rest } = config;
      return rest;
    }
    case 'grouped':
      return { type: 'grouped', quantizers: config.quantizers.map(configWithoutWeights) };
    default:
      return { ...config };
  }
}
