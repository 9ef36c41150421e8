/**
 * The wasm backend beyond the shared kernel suite: the committed module matches its source, and
 * the kernels' shape-dependent paths (the 4-dimension kernel, the phase-cycling stream kernel,
 * SIMD and scalar row sums, LFQ's vector and scalar lanes, chunk boundaries) match the js oracle.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { compileKernels, GENERATED_MODULE, renderModule } from '../scripts/build-wasm.js';
import { jsBackend } from '../src/backends/js/index.js';
import type { OpInput, OpName, OpOutput } from '../src/backends/ops.js';
import { BackendRegistry } from '../src/backends/registry.js';
import { createWasmProvider } from '../src/backends/wasm/index.js';
import { Random } from '../src/random.js';
import { runSeed } from './helpers.js';

const SEED = runSeed('wasm.test');

// Small chunks, so most inputs below span several chunks and end in a partial one.
const registry = new BackendRegistry().register(createWasmProvider({ chunkElements: 96 }));

function oracle<Op extends OpName>(op: Op, input: OpInput<Op>): OpOutput<Op> {
  const out = jsBackend.kernels[op]?.(input);
  if (!out || out instanceof Promise) throw new Error(`js ${op} is missing or asynchronous`);
  return out;
}

describe('wasm module', () => {
  it('is up to date with its AssemblyScript source (npm run build:wasm)', async () => {
    const committed = readFileSync(new URL(`../${GENERATED_MODULE}`, import.meta.url), 'utf8');
    expect(renderModule(await compileKernels()) === committed, `${GENERATED_MODULE} is stale`).toBe(true);
  });

  it('has the FSQ and LFQ kernels and nothing it would fall short on', async () => {
    for (const op of ['fsqEncode', 'fsqDecode', 'lfqEncode', 'lfqDecode'] as const) {
      expect((await registry.kernel(op, 'wasm')).backend).toBe('wasm');
    }
    await expect(registry.kernel('nearestCode', 'wasm')).rejects.toThrow(/has no nearestCode kernel/);
  });
});

describe('wasm provider', () => {
  it('refuses to load, saying why, where WebAssembly lacks SIMD', async () => {
    // validate() is how an engine without SIMD reports the module as unusable.
    const validate = vi.spyOn(WebAssembly, 'validate').mockReturnValue(false);
    try {
      await expect(createWasmProvider().load()).rejects.toMatchObject({
        code: 'MMTOK_BACKEND',
        message: expect.stringMatching(/lacks SIMD/),
      });
    } finally {
      validate.mockRestore();
    }
  });
});

describe('wasm kernels against the oracle, across chunks', () => {
  const rng = new Random(SEED);
  const values = [0, -0, 1e-30, -1e-30, 1e30, -1e30, 1, -1, 0.5, -0.5];
  const input = (n: number, spread: number) =>
    Float32Array.from({ length: n }, () => (rng.next() < 0.2 ? values[rng.int(values.length)] : rng.normal() * spread));

  for (const levels of [
    [8, 5, 5, 5],
    [3],
    [4, 4],
    [5, 3, 7],
    [8, 8, 8, 8, 8, 8, 8, 8],
    [3, 5, 7, 4, 6, 2],
    [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2],
  ]) {
    for (const symmetric of [false, true]) {
      it(`fsq [${levels}]${symmetric ? ' symmetric' : ''}, rows 1 to 203`, async () => {
        for (const rows of [1, 3, 4, 5, 203]) {
          for (const hardClamp of [false, true]) {
            const x = input(rows * levels.length, 2);
            const enc = { x, rows, levels, symmetric, hardClamp };
            const got = await registry.run('fsqEncode', enc);
            const want = oracle('fsqEncode', enc);
            expect(got.indices).toEqual(want.indices);
            expect(got.codes).toEqual(want.codes);
            const dec = { indices: want.indices, levels, symmetric };
            expect(await registry.run('fsqDecode', dec)).toEqual(oracle('fsqDecode', dec));
          }
        }
      });
    }
  }

  for (const dim of [1, 3, 4, 5, 8, 16, 21, 30]) {
    it(`lfq dim ${dim}, rows 1 to 97`, async () => {
      for (const rows of [1, 2, 7, 97]) {
        for (const msbFirst of [true, false]) {
          const enc = { x: input(rows * dim, 1), rows, dim, scale: 0.5 + rng.next(), msbFirst };
          const got = await registry.run('lfqEncode', enc);
          const want = oracle('lfqEncode', enc);
          expect(got.indices).toEqual(want.indices);
          expect(got.codes).toEqual(want.codes);
          const dec = { indices: want.indices, dim, scale: enc.scale, msbFirst };
          expect(await registry.run('lfqDecode', dec)).toEqual(oracle('lfqDecode', dec));
        }
      }
    });
  }
});
