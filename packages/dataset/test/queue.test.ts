/**
 * The BullMQ queue on a private redis-server: output identical to a local run, jobs completed for a
 * folder since emptied written again (found by the poll, since no job event comes), a worker killed
 * with -9 mid-shard (its shard taken by the other worker, written once), and Redis restarted
 * mid-run from its append-only file.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatasetProgress, datasetStatus, encodeDataset, runDatasetWorker } from '../src/index.js';
import { type Child, filesIn, makeImages, outputDigests, type Redis, runChild, startRedis } from './helpers.js';

let root: string;
let redis: Redis;
let reference: Record<string, string>;
const children: Child[] = [];
const SHARDS = ['shard-00000', 'shard-00001', 'shard-00002', 'shard-00003', 'shard-00004'];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mmtok-dataset-queue-'));
  redis = await startRedis(join(root, 'redis'));
  await makeImages(join(root, 'images'), 20, 64);
  await encodeDataset({ inputs: [join(root, 'images')], output: join(root, 'local'), shardSize: 4, workers: 2 });
  reference = await outputDigests(join(root, 'local'));
}, 120_000);

afterAll(async () => {
  for (const c of children) c.proc.kill('SIGKILL');
  await redis?.stop();
  await rm(root, { recursive: true, force: true });
});

/** Worker options for tests: a lapsed lock is noticed within about a second. */
const fast = { lockDuration: 1500, stalledInterval: 500 };

function worker(queueName: string): Child {
  const c = runChild('worker', { queue: redis.url, queueName, workers: 1, ...fast });
  children.push(c);
  return c;
}

const wrote = (lines: string[]) => lines.filter((l) => l.startsWith('wrote ')).map((l) => l.split(' ')[1]);

describe('the queue', () => {
  it('writes the same bytes as a local run, with progress from the workers', async () => {
    const w = await runDatasetWorker({ queue: redis.url, queueName: 'same', workers: 2, ...fast });
    const seen: DatasetProgress[] = [];
    try {
      const result = await encodeDataset({
        inputs: [join(root, 'images')],
        output: join(root, 'queued'),
        shardSize: 4,
        queue: redis.url,
        queueName: 'same',
        onProgress: (p) => seen.push(p),
      });
      expect(result.failed).toEqual([]);
      expect(result.index).toMatchObject({ items: 20, failures: 0 });
    } finally {
      await w.close();
    }
    expect(await outputDigests(join(root, 'queued'))).toEqual(reference);
    expect(seen.at(-1)).toMatchObject({ shardsDone: 5, itemsDone: 20, items: 20 });
    // Submitting again is harmless: every shard is already marked, nothing is queued or written.
    const again = await encodeDataset({
      inputs: [join(root, 'images')],
      output: join(root, 'queued'),
      shardSize: 4,
      queue: redis.url,
      queueName: 'same',
    });
    expect(again.skipped).toBe(5);
    expect(await outputDigests(join(root, 'queued'))).toEqual(reference);
  });

  it('reports a shard that fails on every attempt with its code, and writes no index', async () => {
    const out = join(root, 'queue-blocked');
    await mkdir(join(out, 'shard-00002.tar'), { recursive: true });
    const w = await runDatasetWorker({ queue: redis.url, queueName: 'blocked', workers: 2, ...fast });
    try {
      const r = await encodeDataset({
        inputs: [join(root, 'images')],
        output: out,
        shardSize: 4,
        retries: 1,
        queue: redis.url,
        queueName: 'blocked',
      });
      expect(r.failed).toEqual([expect.objectContaining({ shard: 'shard-00002', code: 'MMTOK_IO' })]);
      expect(r.index).toBeUndefined();
    } finally {
      await w.close();
    }
    expect(await datasetStatus(out)).toMatchObject({
      done: ['shard-00000', 'shard-00001', 'shard-00003', 'shard-00004'],
      failed: [expect.objectContaining({ shard: 'shard-00002', code: 'MMTOK_IO' })],
    });
  });

  it('writes the shards again when their jobs completed for a folder since emptied (no job event comes: the poll finds them)', async () => {
    const out = join(root, 'emptied');
    const run = () =>
      encodeDataset({
        inputs: [join(root, 'images')],
        output: out,
        shardSize: 4,
        queue: redis.url,
        queueName: 'emptied',
      });
    const w = await runDatasetWorker({ queue: redis.url, queueName: 'emptied', workers: 2, ...fast });
    try {
      await run();
      await rm(out, { recursive: true });
      // Same folder and items, so the same job ids, already completed: adding them is a no-op.
      const again = await run();
      expect(again.failed).toEqual([]);
      expect(again.skipped).toBe(0);
    } finally {
      await w.close();
    }
    expect(await outputDigests(out)).toEqual(reference);
  }, 120_000);

  it('gives the shard of a worker killed with -9 to the other worker, and writes each shard once', async () => {
    const out = join(root, 'killed');
    const submitted = encodeDataset({
      inputs: [join(root, 'images')],
      output: out,
      shardSize: 4,
      queue: redis.url,
      queueName: 'kill',
    });
    const a = worker('kill');
    const started = (await a.waitFor(/^start /)).split(' ')[1];
    a.proc.kill('SIGKILL');
    expect(await a.exited).toBe('SIGKILL');
    const b = worker('kill');
    const result = await submitted;
    expect(result.failed).toEqual([]);
    expect(wrote(a.lines)).toEqual([]);
    expect(wrote(b.lines)).toContain(started);
    expect(wrote(b.lines).sort()).toEqual(SHARDS);
    expect(await outputDigests(out)).toEqual(reference);
    expect((await filesIn(out)).filter((f) => f.startsWith('.'))).toEqual([]);
    b.proc.kill('SIGTERM');
    await b.exited;
  }, 180_000);

  it('finishes the run when Redis restarts mid-run (append-only file)', async () => {
    const out = join(root, 'restarted');
    let progress: DatasetProgress | undefined;
    const submitted = encodeDataset({
      inputs: [join(root, 'images')],
      output: out,
      shardSize: 4,
      queue: redis.url,
      queueName: 'restart',
      onProgress: (p) => {
        progress = p;
      },
    });
    const w = worker('restart');
    await w.waitFor(/^start /);
    expect(progress?.shardsDone ?? 0).toBeLessThan(5);
    await redis.restart();
    const result = await submitted;
    expect(result.failed).toEqual([]);
    expect(await outputDigests(out)).toEqual(reference);
    w.proc.kill('SIGTERM');
    await w.exited;
  }, 180_000);
});
