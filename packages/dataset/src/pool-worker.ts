/** A pool thread: writes the shards it is given, keeping its tokenizers loaded between them. */
import type { MessagePort } from 'node:worker_threads';
import { errorInfo } from './errors.js';
import { type ShardTask, type WriteShardResult, writeShard } from './shard.js';
import { Tokenizers } from './tokenizers.js';

export interface PoolTask {
  task: ShardTask;
  /** Receives the number of items done after each item. */
  progress?: MessagePort;
}

/** Errors are returned, not thrown: a thrown MmtokError would lose its code crossing the thread boundary. */
export type PoolResult = ({ ok: true } & WriteShardResult) | { ok: false; code: string; message: string };

const loaded = new Map<string, Tokenizers>();

export default async function runShard({ task, progress }: PoolTask): Promise<PoolResult> {
  const id = `${task.tokenizer}\0${task.backend ?? ''}`;
  let tokenizers = loaded.get(id);
  if (!tokenizers) {
    tokenizers = new Tokenizers({ tokenizer: task.tokenizer, backend: task.backend });
    loaded.set(id, tokenizers);
  }
  try {
    return { ok: true, ...(await writeShard(task, tokenizers, (done) => progress?.postMessage(done))) };
  } catch (e) {
    return { ok: false, ...errorInfo(e) };
  } finally {
    progress?.close();
  }
}
