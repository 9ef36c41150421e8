/**
 * Each pool thread runs with the pool's thread budget: the worker reports the budget its
 * onnxruntime sessions were created under (the default tokenizer's real ort backend; core's
 * thread-budget test shows the sessions take it) and the libvips pool size real sharp gives it,
 * the budget or sharp's own smaller default (1 on glibc Linux; image's sharp-threads test).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharpThreads } from '@mmtok/image';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planDataset } from '../src/encode.js';
import { ShardPool } from '../src/pool.js';
import { makeImages } from './helpers.js';

let root: string;
const sharpDefault = sharpThreads();

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mmtok-dataset-threads-'));
  await makeImages(join(root, 'in'), 4, 32);
}, 60_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function threadsSeen(pool: ShardPool, output: string) {
  const { tasks } = await planDataset({ inputs: [join(root, 'in')], output: join(root, output), shardSize: 2 });
  try {
    const results = await Promise.all(tasks.map((t) => pool.run(t)));
    return results.map((r) => (r.ok ? r.threads : r));
  } finally {
    await pool.close();
  }
}

describe('pool thread budget', () => {
  it('every worker runs with the budget it was given', async () => {
    const budget = availableParallelism() + 1; // unlike any default
    const pool = new ShardPool(2, budget);
    expect(await threadsSeen(pool, 'given')).toEqual([
      { budget, sharp: Math.min(budget, sharpDefault) },
      { budget, sharp: Math.min(budget, sharpDefault) },
    ]);
  }, 120_000);

  it('by default the cores are shared out among the workers', async () => {
    const each = Math.max(1, Math.floor(availableParallelism() / 2));
    const pool = new ShardPool(2);
    expect(pool.threads).toBe(each);
    expect(await threadsSeen(pool, 'default')).toEqual([
      { budget: each, sharp: Math.min(each, sharpDefault) },
      { budget: each, sharp: Math.min(each, sharpDefault) },
    ]);
  }, 120_000);

  it('refuses a thread count that is not a positive integer', () => {
    expect(() => new ShardPool(1, 0)).toThrow(/threads must be a positive integer/);
  });
});
