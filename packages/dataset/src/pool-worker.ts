/** A pool thread: writes the shards it is given, keeping its tokenizers loaded between them. */
import { type MessagePort, workerData } from 'node:worker_threads';
import { setThreadBudget, threadBudget } from '@mmtok/core';
import { sharpThreads } from '@mmtok/image';
import { errorInfo } from './errors.js';
import { type ShardTask, type WriteShardResult, writeShard } from './shard.js';
import { Tokenizers, tokenizerSpecOf } from './tokenizers.js';

export interface PoolTask {
  task: ShardTask;
  /** Receives the number of items done after each item. */
  progress?: MessagePort;
}

/** What the pool gives every thread when it starts. */
export interface PoolWorkerData {
  /** The thread budget, set before any tokenizer loads. */
  threads: number;
}

/** The native threads a worker runs with, as it sees them: the budget and libvips' pool size. */
export interface WorkerThreads {
  budget: number | undefined;
  sharp: number;
}

/** Errors are returned, not thrown: a thrown MmtokError would lose its code crossing the thread boundary. */
export type PoolResult =
  | ({ ok: true; threads: WorkerThreads } & WriteShardResult)
  | { ok: false; code: string; message: string };

setThreadBudget((workerData as PoolWorkerData).threads);

const loaded = new Map<string, Tokenizers>();

export default async function runShard({ task, progress }: PoolTask): Promise<PoolResult> {
  const spec = tokenizerSpecOf(task);
  const id = JSON.stringify(spec);
  let tokenizers = loaded.get(id);
  if (!tokenizers) {
    tokenizers = new Tokenizers(spec);
    loaded.set(id, tokenizers);
  }
  try {
    const written = await writeShard(task, tokenizers, (done) => progress?.postMessage(done));
    return { ok: true, threads: { budget: threadBudget(), sharp: sharpThreads() }, ...written };
  } catch (e) {
    return { ok: false, ...errorInfo(e) };
  } finally {
    progress?.close();
  }
}
