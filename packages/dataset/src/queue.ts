/**
 * Many machines through BullMQ on Redis. The submitter adds one job per shard (jobId = the shard's
 * name and the dataset's hash, so submitting again is harmless) with attempts and backoff, shows
 * the workers' progress, and writes the index once every shard job has completed. A worker holds a
 * lock on its job; when it dies the lock lapses, the stalled-job check puts the shard back, and
 * another worker writes it. Shard writes are idempotent (temp + rename, marker last, a marked
 * shard skipped), so BullMQ's at-least-once delivery neither loses nor duplicates a shard.
 */
import { createHash } from 'node:crypto';
import { MmtokError } from '@mmtok/core';
import type { Job, Queue, Worker } from 'bullmq';
import { type EncodeDatasetOptions, type EncodeDatasetResult, finishDataset, planDataset } from './encode.js';
import { errorInfo } from './errors.js';
import { shardPaths } from './layout.js';
import { ShardPool } from './pool.js';
import { ProgressTracker } from './progress.js';
import { finishedMarker, readMarker, type ShardMarker, type ShardTask } from './shard.js';
import { type ShardFailure, writeShardFailure } from './status.js';

export const DEFAULT_QUEUE_NAME = 'mmtok-dataset';
/**
 * How often the submitter looks at its jobs when no job event wakes it sooner: every 250 ms, and
 * 1 ms per pending shard beyond that (at most 10 s).
 */
const pollMs = (pending: number) => Math.min(10_000, Math.max(250, pending));
/** Job states asked of Redis at once. */
const POLL_BATCH = 100;

/** `redis://[user:password@]host:port/db` → ioredis options (BullMQ needs maxRetriesPerRequest null). */
export function redisConnection(url: string) {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new MmtokError('MMTOK_CONFIG', `--queue ${url}: not a URL; use redis://host:port/db`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new MmtokError('MMTOK_CONFIG', `--queue ${url}: use redis://host:port/db (or rediss:// for TLS)`);
  }
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new MmtokError('MMTOK_CONFIG', `--queue ${url}: bad database number`);
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}

async function bullmq(): Promise<typeof import('bullmq')> {
  try {
    return await import('bullmq');
  } catch (e) {
    throw new MmtokError('MMTOK_BACKEND', `the queue needs the bullmq and ioredis packages (${(e as Error).message})`);
  }
}

/** The job id of a shard: its name plus a hash of the folder and its items (BullMQ ids hold no ':'). */
export function shardJobId(task: ShardTask): string {
  return `${task.name}-${createHash('sha256').update(`${task.dir}\0${task.planHash}`).digest('hex').slice(0, 16)}`;
}

export interface SubmitOptions extends EncodeDatasetOptions {
  queue: string;
}

/** Adds the shards without a marker as jobs and waits for them; see encodeDataset. */
export async function submitDataset(options: SubmitOptions): Promise<EncodeDatasetResult> {
  const { Queue, QueueEvents } = await bullmq();
  const connection = redisConnection(options.queue);
  const { dir, tasks } = await planDataset(options);
  const progress = new ProgressTracker(
    tasks.length,
    tasks.reduce((n, t) => n + t.items.length, 0),
    options.onProgress,
  );
  const queue: Queue = new Queue(options.queueName ?? DEFAULT_QUEUE_NAME, { connection });
  queue.on('error', () => {}); // connection drops (a Redis restart) are retried by ioredis
  // A job's completion or failure wakes the submitter at once; the poll stays the authority (an
  // event missed while Redis restarts is found by the next poll).
  const events = new QueueEvents(options.queueName ?? DEFAULT_QUEUE_NAME, { connection });
  events.on('error', () => {});
  let wake: (() => void) | undefined;
  // Set by an event heard while a poll runs, so the next wait is skipped rather than missed.
  let woken = false;
  const onJobEnd = ({ jobId }: { jobId: string }) => {
    if (!pending.has(jobId)) return;
    woken = true;
    wake?.();
  };
  events.on('completed', onJobEnd);
  events.on('failed', onJobEnd);
  const pending = new Map<string, ShardTask>();
  let skipped = 0;
  const failed: ShardFailure[] = [];
  const add = (todo: ShardTask[]) =>
    queue.addBulk(
      todo.map((task) => ({
        name: 'shard',
        data: task,
        opts: {
          jobId: shardJobId(task),
          attempts: (options.retries ?? 0) + 1,
          backoff: { type: 'exponential', delay: 1000 },
          removeOnComplete: { age: 7 * 24 * 3600 },
          removeOnFail: { age: 7 * 24 * 3600 },
        },
      })),
    );
  try {
    for (const task of tasks) {
      const marker = await finishedMarker(task);
      if (marker) {
        skipped++;
        progress.shardDone(task.name, marker.items + marker.failures, true);
      } else pending.set(shardJobId(task), task);
    }
    await add([...pending.values()]);
    // A job that failed in an earlier submission is given its attempts again.
    for (const id of pending.keys()) {
      const job = await queue.getJob(id);
      if (job && (await job.getState()) === 'failed') await job.retry('failed');
    }
    while (pending.size > 0) {
      if (!woken) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, pollMs(pending.size));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      wake = undefined;
      woken = false;
      try {
        await poll();
      } catch (e) {
        // Redis unreachable for a moment (restarting): the jobs persist there; look again.
        if (errorInfo(e).code === 'MMTOK_DATASET_MISMATCH') throw e;
      }
    }
  } finally {
    await events.close();
    await queue.close();
  }

  async function poll(): Promise<void> {
    const entries = [...pending];
    for (let i = 0; i < entries.length; i += POLL_BATCH) {
      const batch = entries.slice(i, i + POLL_BATCH);
      const jobs = await Promise.all(batch.map(([id]) => queue.getJob(id)));
      const states = await Promise.all(jobs.map((job) => (job ? job.getState() : 'unknown')));
      for (const [k, [id, task]] of batch.entries()) await settle(id, task, jobs[k], states[k]);
    }
  }

  async function settle(id: string, task: ShardTask, job: Job | undefined, state: string): Promise<void> {
    if (state === 'completed' || state === 'unknown') {
      const marker = await readMarker(shardPaths(dir, task.name).marker);
      if (marker) {
        pending.delete(id);
        progress.shardDone(task.name, marker.items + marker.failures, false);
        options.onShard?.(marker);
      } else {
        // Completed for a folder since emptied, or gone from Redis (restarted without persistence): again.
        await job?.remove();
        await add([task]);
      }
    } else if (state === 'failed') {
      pending.delete(id);
      // The worker threw `CODE: message` (see runDatasetWorker).
      const reason = job?.failedReason ?? 'MMTOK_INTERNAL: failed';
      const m = /^(MMTOK_[A-Z_]+): ([\s\S]*)$/.exec(reason);
      const failure = { shard: task.name, code: m?.[1] ?? 'MMTOK_INTERNAL', message: m?.[2] ?? reason };
      failed.push(failure);
      await writeShardFailure(dir, failure);
    } else if (typeof job?.progress === 'number') progress.item(task.name, job.progress);
  }

  return finishDataset(dir, tasks.length, skipped, failed);
}

export interface RunDatasetWorkerOptions {
  /** `redis://host:port/db`. */
  queue: string;
  queueName?: string;
  /** Shards written at once, one thread each. Default: the machine's cores. */
  workers?: number;
  /** Native threads per worker (onnxruntime intra-op, libvips). Default: max(1, floor(cores / workers)). */
  threads?: number;
  /** How long a worker's lock on a shard lasts without renewal (ms); a dead worker's shard moves on after it. Default 30,000. */
  lockDuration?: number;
  /** How often stalled jobs (lapsed locks) are looked for (ms). Default 30,000. */
  stalledInterval?: number;
  /** One line per shard event: `start shard-00000`, `wrote shard-00000 (…)`, `skip …`, `fail …`. */
  log?: (line: string) => void;
}

export interface DatasetWorker {
  /** Stops taking jobs, finishes the ones in hand, and releases the threads and connections. */
  close(): Promise<void>;
}

/** A worker taking shard jobs from the queue until closed. */
export async function runDatasetWorker(options: RunDatasetWorkerOptions): Promise<DatasetWorker> {
  const { Worker } = await bullmq();
  const connection = redisConnection(options.queue);
  await import('@mmtok/image'); // sharp loads on the main thread first (see encodeDataset)
  const pool = new ShardPool(options.workers, options.threads);
  const log = options.log ?? (() => {});
  const processor = async (job: Job<ShardTask>): Promise<ShardMarker> => {
    const task = job.data;
    log(`start ${task.name}`);
    let last = 0;
    const r = await pool.run(task, (done) => {
      // Progress is a Redis write: a few a second are enough for the submitter's bar.
      if (Date.now() - last < 250) return;
      last = Date.now();
      job.updateProgress(done).catch(() => {});
    });
    if (!r.ok) {
      log(`fail ${task.name} ${r.code}: ${r.message}`);
      throw new Error(`${r.code}: ${r.message}`);
    }
    const m = r.marker;
    log(
      r.skipped
        ? `skip ${task.name}`
        : `wrote ${task.name} (${m.items} items, ${m.failures} failures, ${m.tokens} tokens, ${m.seconds} s)`,
    );
    return m;
  };
  const worker: Worker<ShardTask, ShardMarker> = new Worker(options.queueName ?? DEFAULT_QUEUE_NAME, processor, {
    connection,
    concurrency: pool.workers,
    lockDuration: options.lockDuration ?? 30_000,
    stalledInterval: options.stalledInterval ?? 30_000,
    maxStalledCount: 2,
  });
  worker.on('error', () => {}); // connection drops are retried by ioredis; jobs stay in Redis
  return {
    async close() {
      await worker.close();
      await pool.close();
    },
  };
}
