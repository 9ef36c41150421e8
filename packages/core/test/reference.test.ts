import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createQuantizer, type QuantizerConfig } from '../src/index.js';

interface Case {
  kind: 'fsq' | 'lfq' | 'vq' | 'rvq' | 'residual_fsq';
  n: number;
  dim?: number;
  levels?: number[];
  codebook_scale?: number;
  codebook_size?: number;
  num_quantizers?: number;
  cosine?: boolean;
  codebook?: number[];
  codebooks?: number[][];
  input: number[];
  indices: number[];
  codes?: number[];
  decoded?: number[];
  quantized?: number[];
}

const { cases } = JSON.parse(readFileSync(new URL('./fixtures/quantizers.json', import.meta.url), 'utf8')) as {
  cases: Case[];
};

function configOf(c: Case): QuantizerConfig {
  switch (c.kind) {
    case 'fsq':
      return { type: 'fsq', levels: c.levels! };
    case 'lfq':
      return { type: 'lfq', dim: c.dim!, codebookScale: c.codebook_scale };
    case 'vq':
      return {
        type: 'vq',
        dim: c.dim!,
        codebookSize: c.codebook_size!,
        distance: c.cosine ? 'cosine' : 'euclidean',
        codebook: c.codebook,
      };
    case 'rvq':
      return {
        type: 'rvq',
        dim: c.dim!,
        codebookSize: c.codebook_size!,
        numQuantizers: c.num_quantizers!,
        codebooks: c.codebooks,
      };
    case 'residual_fsq':
      return { type: 'residual-fsq', levels: c.levels!, numQuantizers: c.num_quantizers! };
  }
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('vector-quantize-pytorch reference vectors', () => {
  it('has every family', () => {
    expect(new Set(cases.map((c) => c.kind))).toEqual(new Set(['fsq', 'lfq', 'vq', 'rvq', 'residual_fsq']));
  });

  for (const [i, c] of cases.entries()) {
    it(`${c.kind} #${i} (${JSON.stringify(c.levels ?? c.dim)})`, async () => {
      const q = await createQuantizer(configOf(c), { backend: 'js' });
      const dim = q.dim;
      const x = { data: Float32Array.from(c.input), shape: [c.n, dim] };
      const { codes, indices } = await q.quantize(x);
      expect(Array.from(indices.data)).toEqual(c.indices);
      const expectedCodes = c.codes ?? c.quantized!;
      expect(maxAbsDiff(codes.data, expectedCodes)).toBeLessThanOrEqual(1e-5);
      const decoded = await q.decode(indices);
      expect(maxAbsDiff(decoded.data, c.decoded ?? expectedCodes)).toBeLessThanOrEqual(1e-5);
    });
  }
});
