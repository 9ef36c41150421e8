import { describe, expect, it } from 'vitest';
import { createQuantizer, MmtokError, type QuantizerConfig } from '../src/index.js';

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(MmtokError);
    return (e as MmtokError).code;
  }
  throw new Error('expected an MmtokError');
}

describe('bad input fails with a stable code', () => {
  it('wrong dim or shape → MMTOK_SHAPE, naming the expected shape', async () => {
    const q = await createQuantizer({ type: 'vq', dim: 4, codebookSize: 8 });
    expect(await codeOf(q.encode({ data: new Float32Array(10), shape: [2, 5] }))).toBe('MMTOK_SHAPE');
    expect(await codeOf(q.encode({ data: new Float32Array(4), shape: [2, 4] }))).toBe('MMTOK_SHAPE');
    expect(await codeOf(q.encode({ data: new Float32Array(8), shape: [2, 2, 2] }))).toBe('MMTOK_SHAPE');
    expect(await codeOf(q.encode('nope'))).toBe('MMTOK_SHAPE');
    await expect(q.encode({ data: new Float32Array(10), shape: [2, 5] })).rejects.toThrow(/\[N, 4\]/);
  });

  it('NaN or Infinity → MMTOK_NONFINITE with the row and column', async () => {
    const q = await createQuantizer({ type: 'fsq', levels: [5, 5] });
    const data = Float32Array.from([0, 1, 2, Number.NaN]);
    expect(await codeOf(q.encode({ data, shape: [2, 2] }))).toBe('MMTOK_NONFINITE');
    await expect(q.encode({ data, shape: [2, 2] })).rejects.toThrow(/row 1, column 1/);
    expect(await codeOf(q.encode({ data: Float32Array.from([Number.POSITIVE_INFINITY, 0]), shape: [1, 2] }))).toBe(
      'MMTOK_NONFINITE',
    );
  });

  it('empty input → MMTOK_EMPTY', async () => {
    const q = await createQuantizer({ type: 'lfq', dim: 3 });
    expect(await codeOf(q.encode({ data: new Float32Array(0), shape: [0, 3] }))).toBe('MMTOK_EMPTY');
  });

  it('indices out of range → MMTOK_INDEX_RANGE', async () => {
    const vq = await createQuantizer({ type: 'vq', dim: 2, codebookSize: 4 });
    expect(await codeOf(vq.decode({ data: Int32Array.from([0, 4]), shape: [2] }))).toBe('MMTOK_INDEX_RANGE');
    expect(await codeOf(vq.decode({ data: Int32Array.from([-1]), shape: [1] }))).toBe('MMTOK_INDEX_RANGE');
    expect(await codeOf(vq.decode({ data: Float32Array.from([1.5]), shape: [1] }))).toBe('MMTOK_INDEX_RANGE');
    const rvq = await createQuantizer({ type: 'rvq', dim: 2, codebookSize: 4, numQuantizers: 2 });
    expect(await codeOf(rvq.decode({ data: Int32Array.from([0, 9]), shape: [1, 2] }))).toBe('MMTOK_INDEX_RANGE');
    expect(await codeOf(rvq.decode({ data: Int32Array.from([0, -2]), shape: [1, 2] }))).toBe('MMTOK_INDEX_RANGE');
    expect(await codeOf(rvq.decode({ data: Int32Array.from([0, 1, 2]), shape: [1, 3] }))).toBe('MMTOK_SHAPE');
    const fsq = await createQuantizer({ type: 'fsq', levels: [3, 3] });
    expect(await codeOf(fsq.decode({ data: Int32Array.from([9]), shape: [1] }))).toBe('MMTOK_INDEX_RANGE');
    const grouped = await createQuantizer({
      type: 'grouped',
      quantizers: [
        { type: 'fsq', levels: [3] },
        { type: 'fsq', levels: [5] },
      ],
    });
    expect(await codeOf(grouped.decode({ data: Int32Array.from([3, 4]), shape: [1, 2] }))).toBe('MMTOK_INDEX_RANGE');
  });

  it('bad configs → MMTOK_CONFIG naming the key', async () => {
    const bad: [unknown, RegExp][] = [
      [{ type: 'vq', dim: 4, codebookSize: 8, codebok: [] }, /config\.codebok: unknown key/],
      [{ type: 'vq', dim: 0, codebookSize: 8 }, /config\.dim/],
      [{ type: 'vq', dim: 4 }, /config\.codebookSize: is required/],
      [{ type: 'vq', dim: 2, codebookSize: 2, codebook: [1, 2, 3] }, /must hold 4 values/],
      [{ type: 'vq', dim: 2, codebookSize: 2, distance: 'manhattan' }, /config\.distance/],
      [{ type: 'fsq', levels: [2, 3] }, /preserveSymmetry/],
      [{ type: 'fsq', levels: [] }, /config\.levels/],
      [{ type: 'lfq', dim: 40 }, /config\.dim/],
      [{ type: 'lfq', dim: 4, bitOrder: 'middle' }, /config\.bitOrder/],
      [{ type: 'rvq', dim: 2, codebookSize: 2, numQuantizers: 2, codebooks: [[0, 0, 0, 0]] }, /config\.codebooks/],
      [{ type: 'pq', dim: 2 }, /unknown quantizer type/],
      [{ type: 'grouped', quantizers: [{ type: 'grouped', quantizers: [] }] }, /config\.quantizers\[0\]/],
      [null, /must be an object/],
    ];
    for (const [config, message] of bad) {
      const p = createQuantizer(config as QuantizerConfig);
      expect(await codeOf(p)).toBe('MMTOK_CONFIG');
      await expect(createQuantizer(config as QuantizerConfig)).rejects.toThrow(message);
    }
    expect(await codeOf(createQuantizer({ type: 'vq', dim: 1, codebookSize: 1, codebook: [Number.NaN] }))).toBe(
      'MMTOK_NONFINITE',
    );
  });

  it('an unknown backend → MMTOK_BACKEND listing what is registered', async () => {
    expect(await codeOf(createQuantizer({ type: 'lfq', dim: 2 }, { backend: 'tpu' }))).toBe('MMTOK_BACKEND');
    await expect(createQuantizer({ type: 'lfq', dim: 2 }, { backend: 'tpu' })).rejects.toThrow(
      /\[tpu\] unknown backend.*registered: .*js/,
    );
    const q = await createQuantizer({ type: 'lfq', dim: 2 });
    expect(await codeOf(q.encode({ data: new Float32Array(2), shape: [1, 2] }, { backend: 'tpu' }))).toBe(
      'MMTOK_BACKEND',
    );
  });
});
