/**
 * `encodeDataset`: inputs → sharded WebDataset tars on this machine's cores, or — with `queue` —
 * one BullMQ job per shard for `runDatasetWorker`s anywhere, waiting for them. Either way the
 * index is written once every shard has its marker.
 */
import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { checkPositiveInteger } from './errors.js';
import { listDatasetItems } from './inputs.js';
import { isShardTemp } from './layout.js';
import { checkSamePlan, DEFAULT_SHARD_SIZE, planShards, prepareOutput, writePlan } from './plan.js';
import { defaultWorkers, ShardPool } from './pool.js';
import { type DatasetProgressCallback, ProgressTracker } from './progress.js';
import { checkBatchSize, DEFAULT_BATCH_SIZE, type ShardMarker, type ShardTask } from './shard.js';
import { type DatasetIndex, type ShardFailure, writeIndex, writeShardFailure } from './status.js';
import type { TokenizerSpec } from './tokenizers.js';

export interface EncodeDatasetOptions {
  /** Folders, globs, media files, `.txt`/`.jsonl` lists, WebDataset tars (`data-{00000..00099}.tar`). */
  inputs: readonly string[];
  /** The dataset folder (shared by every worker when a queue is used). */
  output: string;
  /** Items per shard. Default 1000. */
  shardSize?: number;
  /** Built-in tokenizer name or manifest path. Default 'default' (each modality's embedded default). */
  tokenizer?: string;
  /** Core kernel backend; the best available when omitted. */
  backend?: string;
  /**
   * Video sound tracks: the audio tokenizer (name, manifest or hf:…; default 'default'), or false
   * to leave the sound out — as `mmtok encode --audio-tokenizer` / `--no-audio`.
   */
  audioTokenizer?: string | false;
  /** Pretrained hf:… audio tokenizers: the ONNX weights ('fp16', 'q8', …). Default 'fp32'. */
  dtype?: string;
  /** Images: refuse inputs larger than this many pixels (an errors-file line each). Default 50,000,000. */
  maxPixels?: number;
  /**
   * Consecutive images each thread hands the tokenizer at once: an ONNX encoder with a dynamic
   * batch axis runs those of one size together. 1 disables batching; the output is the same.
   * Default 8.
   */
  batchSize?: number;
  /** Threads encoding shards at once (local runs). Default: the machine's cores. */
  workers?: number;
  /**
   * Native threads per worker (onnxruntime intra-op, libvips), local runs. Default: the cores
   * shared out, max(1, floor(cores / workers)).
   */
  threads?: number;
  /** Further attempts for a shard that failed as a whole. Default 0. */
  retries?: number;
  /** `redis://host:port/db`: submit shard jobs there and wait for workers instead of encoding here. */
  queue?: string;
  /** BullMQ queue name. Default 'mmtok-dataset'. */
  queueName?: string;
  onProgress?: DatasetProgressCallback;
  /** Queue runs: called with each shard a worker reports done. */
  onShard?: (marker: ShardMarker) => void;
}

export interface EncodeDatasetResult {
  output: string;
  shards: number;
  /** Shards already done before this run (skipped). */
  skipped: number;
  failed: ShardFailure[];
  /** The index, when every shard is done. */
  index?: DatasetIndex;
}

/** A manifest path made absolute: queue workers run elsewhere (the path must be shared, like the output). */
const sharedPath = (spec: string) => (existsSync(spec) ? resolve(spec) : spec);

/** Lists and plans the inputs after proving the output writable; shared by the local and queue runs. */
export async function planDataset(options: EncodeDatasetOptions): Promise<{ dir: string; tasks: ShardTask[] }> {
  const batchSize = checkBatchSize(options.batchSize ?? DEFAULT_BATCH_SIZE);
  const dir = resolve(options.output);
  await prepareOutput(dir);
  const spec: TokenizerSpec = {
    tokenizer: sharedPath(options.tokenizer ?? 'default'),
    ...(options.backend ? { backend: options.backend } : {}),
    ...(options.audioTokenizer !== undefined
      ? { audioTokenizer: options.audioTokenizer === false ? false : sharedPath(options.audioTokenizer) }
      : {}),
    ...(options.dtype !== undefined ? { dtype: options.dtype } : {}),
    ...(options.maxPixels !== undefined ? { maxPixels: checkPositiveInteger('max pixels', options.maxPixels) } : {}),
  };
  await checkSamePlan(dir, spec);
  const items = await listDatasetItems(options.inputs);
  const shardSize = options.shardSize ?? DEFAULT_SHARD_SIZE;
  const tasks = planShards(items, dir, spec, shardSize).map((t) => ({ ...t, batchSize }));
  await writePlan(dir, tasks, shardSize, spec);
  return { dir, tasks };
}

export async function encodeDataset(options: EncodeDatasetOptions): Promise<EncodeDatasetResult> {
  if (options.queue) {
    const { submitDataset } = await import('./queue.js');
    return submitDataset({ ...options, queue: options.queue });
  }
  const { dir, tasks } = await planDataset(options);
  // This run owns the folder: temp files of a killed earlier run go before anything is written.
  const leftovers = (await readdir(dir)).filter((f) => isShardTemp(f));
  await Promise.all(leftovers.map((f) => rm(join(dir, f), { force: true })));
  // sharp is loaded on the main thread before any worker thread loads it (sharp's advice for threads).
  await import('@mmtok/image');
  const progress = new ProgressTracker(
    tasks.length,
    tasks.reduce((n, t) => n + t.items.length, 0),
    options.onProgress,
  );
  // No more threads than shards: each thread loads its own tokenizers.
  const workers = options.workers ?? defaultWorkers();
  const pool = new ShardPool(tasks.length > 0 && workers > tasks.length ? tasks.length : workers, options.threads);
  const failed: ShardFailure[] = [];
  let skipped = 0;
  try {
    await Promise.all(
      tasks.map(async (task) => {
        for (let attempt = 0; ; attempt++) {
          const r = await pool.run(task, (done) => progress.item(task.name, done));
          if (r.ok) {
            if (r.skipped) skipped++;
            progress.shardDone(task.name, r.marker.items + r.marker.failures, r.skipped);
            return;
          }
          if (attempt >= (options.retries ?? 0)) {
            const failure = { shard: task.name, code: r.code, message: r.message };
            failed.push(failure);
            await writeShardFailure(dir, failure);
            return;
          }
        }
      }),
    );
  } finally {
    await pool.close();
  }
  return finishDataset(dir, tasks.length, skipped, failed);
}

/** The end of a local or a queue run: failures in shard order and, when there are none, the index. */
export async function finishDataset(
  dir: string,
  shards: number,
  skipped: number,
  failed: ShardFailure[],
): Promise<EncodeDatasetResult> {
  failed.sort((a, b) => (a.shard < b.shard ? -1 : 1));
  const index = failed.length === 0 ? await writeIndex(dir) : undefined;
  return { output: dir, shards, skipped, failed, ...(index ? { index } : {}) };
}
