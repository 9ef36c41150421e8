/**
 * The files of a dataset folder, by name. One place owns the names so the writer, the status
 * report, the reader and the temp-file cleanup agree.
 */
import { join } from 'node:path';

/** Written by the runner before any shard: how many shards to expect (the status report needs it). */
export const PLAN_FILE = 'dataset.plan.json';
/** Written once every shard has its marker. */
export const INDEX_FILE = 'dataset.json';

export const shardName = (index: number): string => `shard-${String(index).padStart(5, '0')}`;

export interface ShardPaths {
  tar: string;
  /** The success marker, written last. */
  marker: string;
  /** One JSON line per item that could not be encoded. */
  errors: string;
  /** Why the whole shard failed (its last attempt); removed when it later succeeds. */
  failed: string;
}

export function shardPaths(dir: string, name: string): ShardPaths {
  return {
    tar: join(dir, `${name}.tar`),
    marker: join(dir, `${name}.json`),
    errors: join(dir, `${name}.errors.jsonl`),
    failed: join(dir, `${name}.failed.json`),
  };
}

/** Temp files of a shard's writes (writeFileAtomic's `.name.<hex>.tmp` and the tar's own). */
export function isShardTemp(file: string, name?: string): boolean {
  const m = /^\.(shard-\d+)\..*\.tmp$/.exec(file);
  return m !== null && (name === undefined || m[1] === name);
}

/** A sample key: the item's position in the sorted inputs, so keys never hold dots and never collide. */
export const sampleKey = (position: number): string => String(position).padStart(9, '0');
