/**
 * The worker pool: piscina on worker_threads, one shard per thread at a time, each thread with a
 * thread budget (core's threads.ts) for its onnxruntime sessions and libvips, so that the workers
 * share the cores instead of each sizing its pools to all of them. From the TypeScript sources
 * (tests, tsx) the threads load the worker through tsx with the `source` condition.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { checkPositiveInteger } from './errors.js';
import type { PoolResult, PoolTask, PoolWorkerData } from './pool-worker.js';
import type { ShardTask } from './shard.js';

export const defaultWorkers = (): number => availableParallelism();

/** Native threads per worker when not given: the cores shared out, at least one. */
export const defaultThreads = (workers: number): number => Math.max(1, Math.floor(availableParallelism() / workers));

function workerOptions(): { filename: string; execArgv: string[] } {
  // From the sources (import.meta.url ends in .ts) a small .mjs entry registers tsx in the thread.
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = fromSource ? './pool-worker-source.mjs' : './pool-worker.js';
  return {
    filename: fileURLToPath(new URL(entry, import.meta.url)),
    execArgv: fromSource ? ['--conditions=source'] : [],
  };
}

export class ShardPool {
  private readonly pool: Piscina<PoolTask, PoolResult>;
  /** Each worker's thread budget (onnxruntime intra-op threads, libvips threads). */
  readonly threads: number;

  constructor(
    readonly workers: number = defaultWorkers(),
    threads?: number,
  ) {
    checkPositiveInteger('workers', workers);
    this.threads = checkPositiveInteger('threads', threads ?? defaultThreads(workers));
    // Threads stay up between shards: each one loads its tokenizers once.
    this.pool = new Piscina({
      ...workerOptions(),
      minThreads: workers,
      maxThreads: workers,
      idleTimeout: 60_000,
      workerData: { threads: this.threads } satisfies PoolWorkerData,
    });
  }

  /** Writes a shard on a free thread; `onItem` hears the number of items done. */
  run(task: ShardTask, onItem?: (done: number) => void): Promise<PoolResult> {
    const { port1, port2 } = new MessageChannel();
    port1.on('message', (done: number) => onItem?.(done));
    return this.pool.run({ task, progress: port2 }, { transferList: [port2] }).finally(() => port1.close());
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}
