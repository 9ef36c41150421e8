/** Count options (shard size, batch size, workers, threads, max pixels): one check, each named in its error. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planDataset } from '../src/encode.js';
import { checkPositiveInteger } from '../src/errors.js';
import { planShards } from '../src/plan.js';
import { ShardPool } from '../src/pool.js';
import { checkBatchSize } from '../src/shard.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mmtok-counts-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const refused = (what: string, n: number) => ({
  code: 'MMTOK_CONFIG',
  message: expect.stringContaining(`${what} must be a positive integer, got ${n}`),
});

describe('count options', () => {
  it('accepts a positive integer and refuses anything else with MMTOK_CONFIG', () => {
    expect(checkPositiveInteger('n', 1)).toBe(1);
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      expect(() => checkPositiveInteger('n', bad)).toThrow(expect.objectContaining(refused('n', bad)));
    }
  });

  it('every count option names itself when refused', async () => {
    expect(() => planShards([], root, { tokenizer: 'default' }, 0)).toThrow(
      expect.objectContaining(refused('shard size', 0)),
    );
    expect(() => checkBatchSize(0)).toThrow(expect.objectContaining(refused('batch size', 0)));
    expect(() => new ShardPool(0)).toThrow(expect.objectContaining(refused('workers', 0)));
    await expect(planDataset({ inputs: [], output: join(root, 'out'), maxPixels: 0 })).rejects.toMatchObject(
      refused('max pixels', 0),
    );
  });
});
