/** vector-quantize-pytorch reference cases (test/fixtures/quantizers*.json, made by fixtures-src scripts). */
import { readFileSync } from 'node:fs';

export interface Case {
  kind: 'fsq' | 'lfq' | 'vq' | 'rvq' | 'residual_fsq' | 'residual-lfq';
  n: number;
  dim?: number;
  levels?: number[];
  codebook_scale?: number;
  codebook_size?: number;
  num_quantizers?: number;
  cosine?: boolean;
  codebook?: number[];
  codebooks?: number[][];
  /** Residual FSQ: per-level, per-dimension scales. */
  scales?: number[][];
  vqp_args?: { levels?: number[]; preserve_symmetry?: boolean; bound_hard_clamp?: boolean; num_quantizers?: number };
  input: number[];
  indices: number[];
  codes?: number[];
  decoded?: number[];
  quantized?: number[];
}

/** The cases of one fixture file. */
export const loadQuantizerCases = (name: string) =>
  (JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as { cases: Case[] }).cases;

/** `index`'s low `bits` bits in reverse order: an msb-first index read lsb-first. */
export function reverseBits(index: number, bits: number): number {
  let out = 0;
  for (let b = 0; b < bits; b++) if (index & (1 << b)) out |= 1 << (bits - 1 - b);
  return out;
}
