/**
 * vector-quantize-pytorch's outputs (test/fixtures/quantizers*.json) reproduced by every backend of
 * the default registry, js included: the expectations come from the reference, never from our own
 * kernels. Under CI a backend CI installs must be available (kernels.test.ts fails otherwise).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backends/backend.js';
import { jsBackend, jsProvider } from '../src/backends/js/index.js';
import type { OpName } from '../src/backends/ops.js';
import { ortProvider } from '../src/backends/ort/index.js';
import { BackendRegistry } from '../src/backends/registry.js';
import { wasmProvider } from '../src/backends/wasm/index.js';
import { webgpuProvider } from '../src/backends/webgpu/index.js';
import { createQuantizer, type QuantizerConfig } from '../src/index.js';
import { type Case, loadQuantizerCases, reverseBits } from './quantizer-fixtures.js';

const load = loadQuantizerCases;
const cases = [
  ...load('quantizers.json').map((c, i) => ({ c, label: `quantizers.json #${i}` })),
  ...load('quantizers-variants.json').map((c, i) => ({ c, label: `quantizers-variants.json #${i}` })),
];

function configOf(c: Case): QuantizerConfig {
  const a = c.vqp_args ?? {};
  switch (c.kind) {
    case 'fsq':
      return {
        type: 'fsq',
        levels: a.levels ?? c.levels!,
        preserveSymmetry: a.preserve_symmetry ?? false,
        boundHardClamp: a.bound_hard_clamp ?? false,
      };
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
    case 'residual-lfq':
      return { type: 'residual-lfq', dim: c.dim!, numQuantizers: a.num_quantizers! };
  }
}

/** The kernels a family's quantize and decode call. */
const OPS: Record<Case['kind'], OpName[]> = {
  fsq: ['fsqEncode', 'fsqDecode'],
  residual_fsq: ['fsqEncode', 'fsqDecode'],
  lfq: ['lfqEncode', 'lfqDecode'],
  'residual-lfq': ['lfqEncode', 'lfqDecode'],
  vq: ['nearestCode', 'gather'],
  rvq: ['residualNearestCode', 'gather'],
};

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Each backend CI installs, loaded here or with the reason it cannot be. */
const loaded = await Promise.all(
  [jsProvider, wasmProvider, ortProvider, webgpuProvider].map((p) =>
    p.load().then(
      (backend) => ({ name: p.name, backend }),
      (e: unknown) => ({ name: p.name, reason: String(e) }),
    ),
  ),
);
afterAll(async () => {
  for (const l of loaded) if ('backend' in l) await l.backend.dispose?.();
});

/** A registry serving `backend`'s kernels under its name, js filling only the ops it lacks (wasm has no gather). */
function registryOf(backend: Backend): BackendRegistry {
  const kernels = { ...jsBackend.kernels, ...backend.kernels };
  return new BackendRegistry().register({
    name: backend.name,
    priority: 1,
    load: async () => ({ name: backend.name, kernels }),
  });
}

it('quantizers.json has every family', () => {
  expect(new Set(load('quantizers.json').map((c) => c.kind))).toEqual(
    new Set(['fsq', 'lfq', 'vq', 'rvq', 'residual_fsq']),
  );
});

it('the variants fixture covers symmetric, hard-clamp and level-2 FSQ and residual LFQ', () => {
  const variants = load('quantizers-variants.json');
  const fsq = variants.filter((c) => c.kind === 'fsq').map((c) => c.vqp_args!);
  expect(fsq.some((a) => a.preserve_symmetry && !a.bound_hard_clamp)).toBe(true);
  expect(fsq.some((a) => !a.preserve_symmetry && a.bound_hard_clamp)).toBe(true);
  expect(fsq.some((a) => a.preserve_symmetry && a.bound_hard_clamp)).toBe(true);
  expect(fsq.some((a) => a.levels!.includes(2))).toBe(true);
  expect(variants.filter((c) => c.kind === 'residual-lfq').length).toBeGreaterThan(0);
});

for (const l of loaded) {
  if (!('backend' in l)) console.warn(`reference-backends.test: ${l.name} unavailable here, skipped: ${l.reason}`);
  describe.skipIf(!('backend' in l))(`${l.name} backend reproduces vector-quantize-pytorch`, () => {
    const backend = l.name;
    const own = 'backend' in l ? l.backend.kernels : {};
    const registry = 'backend' in l ? registryOf(l.backend) : undefined;
    const lacks = (kind: Case['kind']) => OPS[kind].filter((op) => !own[op]);
    for (const { c, label } of cases) {
      const config = configOf(c);
      it(`${label}: ${c.kind} ${JSON.stringify(c.vqp_args ?? c.levels ?? c.dim)}`, async (ctx) => {
        if (lacks(c.kind).length) ctx.skip(`${backend} has no ${lacks(c.kind).join('/')} kernels`);
        const q = await createQuantizer(config, { backend, registry });
        const x = { data: Float32Array.from(c.input), shape: [c.n, q.dim] };
        const { codes, indices } = await q.quantize(x);
        expect(Array.from(indices.data)).toEqual(c.indices);
        const expectedCodes = c.codes ?? c.quantized!;
        expect(maxAbsDiff(codes.data, expectedCodes)).toBeLessThanOrEqual(1e-5);
        const decoded = await q.decode(indices);
        expect(maxAbsDiff(decoded.data, c.decoded ?? expectedCodes)).toBeLessThanOrEqual(1e-5);
      });
    }

    // The reference numbers bits most significant first; 'lsb' must give the same codes with each
    // level's index bit-reversed.
    for (const { c, label } of cases.filter(({ c }) => c.kind === 'residual-lfq' || c.kind === 'lfq')) {
      it(`${label}: ${c.kind} bitOrder 'lsb' is the reference with each level's bits reversed`, async (ctx) => {
        if (lacks(c.kind).length) ctx.skip(`${backend} has no lfq kernels`);
        const config = { ...configOf(c), bitOrder: 'lsb' } as QuantizerConfig;
        const q = await createQuantizer(config, { backend, registry });
        const x = { data: Float32Array.from(c.input), shape: [c.n, q.dim] };
        const { codes, indices } = await q.quantize(x);
        expect(Array.from(indices.data)).toEqual(c.indices.map((i) => reverseBits(i, c.dim!)));
        expect(maxAbsDiff(codes.data, c.codes ?? c.quantized!)).toBeLessThanOrEqual(1e-5);
        const decoded = await q.decode(indices);
        expect(maxAbsDiff(decoded.data, c.decoded ?? c.quantized!)).toBeLessThanOrEqual(1e-5);
      });
    }
  });
}
