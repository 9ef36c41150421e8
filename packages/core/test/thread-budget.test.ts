/**
 * The thread budget reaches onnxruntime: the real onnxruntime-node creates every session, and a spy
 * on InferenceSession.create (calling through) reads the options it was given — the ort kernel
 * backend's graphs and an ONNX tokenizer model opened with createOnnxSession alike.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Ort from 'onnxruntime-common';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GraphBuilder } from '../src/backends/ort/graph.js';
import { importOnnxRuntimeNode } from '../src/backends/ort/import-node.js';
import { loadRuntime } from '../src/backends/ort/runtime.js';
import { MmtokError, setThreadBudget, threadBudget } from '../src/index.js';
import { createOnnxSession } from '../src/tokenizer/onnx-session.js';

let dir: string;
let model: Uint8Array;
let create: ReturnType<typeof vi.spyOn>;

/** The intra-op threads of the last session onnxruntime was asked to create. */
function lastIntraOp(): number | undefined {
  const options = create.mock.calls.at(-1)?.[1] as Ort.InferenceSession.SessionOptions | undefined;
  return options?.intraOpNumThreads;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mmtok-threads-'));
  const g = new GraphBuilder('add-one');
  const x = g.input('x', 'float32', [2]);
  g.output(g.op('Add', [x, g.scalar(1)]), 'y', 'float32', [2]);
  model = g.toBytes();
  await writeFile(join(dir, 'add-one.onnx'), model);
  const ort = await importOnnxRuntimeNode<typeof Ort>();
  create = vi.spyOn(ort.InferenceSession, 'create');
});

afterAll(async () => {
  create.mockRestore();
  await rm(dir, { recursive: true, force: true });
});

describe('thread budget', () => {
  // In order: the budget is per thread (module state), and the first test needs it unset.
  it('unset: the ort backend takes every core and an ONNX model onnxruntime’s default', async () => {
    expect(threadBudget()).toBeUndefined();
    const runtime = await loadRuntime();
    await (await runtime.createSession(model)).release();
    expect(lastIntraOp()).toBe(availableParallelism());
    const { session } = await createOnnxSession(join(dir, 'add-one.onnx'), ['cpu']);
    await session.release();
    expect(lastIntraOp()).toBeUndefined();
  });

  it('set: both create their sessions with the budget, and the sessions run', async () => {
    const budget = availableParallelism() + 1; // unlike any default
    setThreadBudget(budget);
    const runtime = await loadRuntime();
    const kernel = await runtime.createSession(model);
    expect(lastIntraOp()).toBe(budget);
    const out = await kernel.run({ x: new runtime.ort.Tensor('float32', Float32Array.of(1, 2), [2]) });
    expect(Array.from(out.y.data as Float32Array)).toEqual([2, 3]);
    await kernel.release();
    const { session } = await createOnnxSession(join(dir, 'add-one.onnx'), ['cpu']);
    expect(lastIntraOp()).toBe(budget);
    await session.release();
    // An explicit backend option still wins over the budget.
    await (await (await loadRuntime({ intraOpNumThreads: 1 })).createSession(model)).release();
    expect(lastIntraOp()).toBe(1);
  });

  it('refuses a budget that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => setThreadBudget(bad)).toThrow(MmtokError);
    }
  });
});
