import { fsqBasis, fsqLevelCode } from '../fsq-spec.js';
import type { KernelTable, OpInput, OpOutput } from '../ops.js';
import type { OrtContext } from './context.js';
import { fsqTables } from './fsq-tables.js';
import { GraphBuilder } from './graph.js';
import { chunkRows, forEachChunk, output, runSession, tensor } from './run.js';

/** Elementwise graphs run on about 64k values at a time: the intermediates stay in cache. */
const ELEMENTS = 1 << 16;

function fsqEncodeGraph(levels: readonly number[], symmetric: boolean, hardClamp: boolean): GraphBuilder {
  const t = fsqTables(levels, symmetric, hardClamp);
  const dim = levels.length;
  const g = new GraphBuilder('fsq_encode');
  const x = g.input('x', 'float32', ['N', dim]);
  const scaled = g.op('Add', [g.op('Mul', [x, g.constant(t.scale)]), g.constant(t.shift)]);
  const clamped = g.op('Min', [g.op('Max', [scaled, g.constant(t.lo)]), g.constant(t.hi)]);
  const cell = g.op('Cast', [clamped], { to: { type: 'int32' } });
  const above = g.op('GreaterOrEqual', [x, g.op('Gather', [g.constant(t.threshold), cell], { axis: { int: 0 } })]);
  const entry = g.op('Add', [g.op('Add', [cell, cell]), g.op('Cast', [above], { to: { type: 'int32' } })]);
  const digits = g.op('Gather', [g.constant(t.digit), entry], { axis: { int: 0 } });
  const indices = g.op('ReduceSum', [digits, g.constant(BigInt64Array.of(1n))], { keepdims: { int: 0 } });
  g.output(indices, 'indices', 'int32', ['N']);
  g.output(g.op('Gather', [g.constant(t.code), entry], { axis: { int: 0 } }), 'codes', 'float32', ['N', dim]);
  return g;
}

/** Digits by integer division and modulo, codes from a table of the oracle's level codes. */
function fsqDecodeGraph(levels: readonly number[], symmetric: boolean): GraphBuilder {
  const dim = levels.length;
  const maxL = Math.max(...levels);
  const table = new Float32Array(dim * maxL);
  levels.forEach((L, j) => {
    for (let b = 0; b < L; b++) table[j * maxL + b] = fsqLevelCode(b, L, symmetric);
  });
  const g = new GraphBuilder('fsq_decode');
  const idx = g.op('Unsqueeze', [g.input('indices', 'int32', ['N']), g.constant(BigInt64Array.of(1n))]);
  const digit = g.op('Mod', [
    g.op('Div', [idx, g.constant(Int32Array.from(fsqBasis(levels)))]),
    g.constant(Int32Array.from(levels)),
  ]);
  const entry = g.op('Add', [digit, g.constant(Int32Array.from(levels, (_, j) => j * maxL))]);
  g.output(g.op('Gather', [g.constant(table), entry], { axis: { int: 0 } }), 'codes', 'float32', ['N', dim]);
  return g;
}

/** Bit weights of the dimensions; the sum stays in int32 because dim ≤ 31. */
function bitWeights(dim: number, msbFirst: boolean): Int32Array {
  return Int32Array.from({ length: dim }, (_, j) => 2 ** (msbFirst ? dim - 1 - j : j));
}

function lfqEncodeGraph(dim: number, scale: number, msbFirst: boolean): GraphBuilder {
  const g = new GraphBuilder('lfq_encode');
  const x = g.input('x', 'float32', ['N', dim]);
  const positive = g.op('Greater', [x, g.scalar(0)]);
  const bits = g.op('Where', [positive, g.constant(bitWeights(dim, msbFirst)), g.constant(Int32Array.of(0), [])]);
  g.output(g.op('ReduceSum', [bits, g.constant(BigInt64Array.of(1n))], { keepdims: { int: 0 } }), 'indices', 'int32', [
    'N',
  ]);
  g.output(g.op('Where', [positive, g.scalar(scale), g.scalar(-scale)]), 'codes', 'float32', ['N', dim]);
  return g;
}

function lfqDecodeGraph(dim: number, scale: number, msbFirst: boolean): GraphBuilder {
  const g = new GraphBuilder('lfq_decode');
  const idx = g.op('Unsqueeze', [g.input('indices', 'int32', ['N']), g.constant(BigInt64Array.of(1n))]);
  const bit = g.op('Mod', [
    g.op('Div', [idx, g.constant(bitWeights(dim, msbFirst))]),
    g.constant(Int32Array.of(2), []),
  ]);
  const set = g.op('Cast', [bit], { to: { type: 'bool' } });
  g.output(g.op('Where', [set, g.scalar(scale), g.scalar(-scale)]), 'codes', 'float32', ['N', dim]);
  return g;
}

export function scalarKernels(
  ctx: OrtContext,
): Pick<KernelTable, 'fsqEncode' | 'fsqDecode' | 'lfqEncode' | 'lfqDecode'> {
  const { runtime, sessions } = ctx;

  async function fsqEncode(i: OpInput<'fsqEncode'>): Promise<OpOutput<'fsqEncode'>> {
    const { x, rows, levels, symmetric, hardClamp } = i;
    const dim = levels.length;
    const session = await sessions.forKey(`fsqEncode:${levels.join(',')}:${symmetric}:${hardClamp}`, () =>
      fsqEncodeGraph(levels, symmetric, hardClamp),
    );
    const indices = new Int32Array(rows);
    const codes = new Float32Array(rows * dim);
    await forEachChunk(rows, chunkRows(ELEMENTS, dim), async (start, n) => {
      const r = await runSession('fsqEncode', session, {
        x: tensor(runtime, x.subarray(start * dim, (start + n) * dim), [n, dim]),
      });
      indices.set(output(r, 'indices', 'int32'), start);
      codes.set(output(r, 'codes', 'float32'), start * dim);
    });
    return { indices, codes };
  }

  async function fsqDecode(i: OpInput<'fsqDecode'>): Promise<OpOutput<'fsqDecode'>> {
    const { indices, levels, symmetric } = i;
    const dim = levels.length;
    const session = await sessions.forKey(`fsqDecode:${levels.join(',')}:${symmetric}`, () =>
      fsqDecodeGraph(levels, symmetric),
    );
    const codes = new Float32Array(indices.length * dim);
    await forEachChunk(indices.length, chunkRows(ELEMENTS, dim), async (start, n) => {
      const r = await runSession('fsqDecode', session, {
        indices: tensor(runtime, indices.subarray(start, start + n), [n]),
      });
      codes.set(output(r, 'codes', 'float32'), start * dim);
    });
    return codes;
  }

  async function lfqEncode(i: OpInput<'lfqEncode'>): Promise<OpOutput<'lfqEncode'>> {
    const { x, rows, dim, scale, msbFirst } = i;
    const session = await sessions.forKey(`lfqEncode:${dim}:${scale}:${msbFirst}`, () =>
      lfqEncodeGraph(dim, scale, msbFirst),
    );
    const indices = new Int32Array(rows);
    const codes = new Float32Array(rows * dim);
    await forEachChunk(rows, chunkRows(ELEMENTS, dim), async (start, n) => {
      const r = await runSession('lfqEncode', session, {
        x: tensor(runtime, x.subarray(start * dim, (start + n) * dim), [n, dim]),
      });
      indices.set(output(r, 'indices', 'int32'), start);
      codes.set(output(r, 'codes', 'float32'), start * dim);
    });
    return { indices, codes };
  }

  async function lfqDecode(i: OpInput<'lfqDecode'>): Promise<OpOutput<'lfqDecode'>> {
    const { indices, dim, scale, msbFirst } = i;
    const session = await sessions.forKey(`lfqDecode:${dim}:${scale}:${msbFirst}`, () =>
      lfqDecodeGraph(dim, scale, msbFirst),
    );
    const codes = new Float32Array(indices.length * dim);
    await forEachChunk(indices.length, chunkRows(ELEMENTS, dim), async (start, n) => {
      const r = await runSession('lfqDecode', session, {
        indices: tensor(runtime, indices.subarray(start, start + n), [n]),
      });
      codes.set(output(r, 'codes', 'float32'), start * dim);
    });
    return codes;
  }

  return { fsqEncode, fsqDecode, lfqEncode, lfqDecode };
}
