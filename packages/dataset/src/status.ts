/** Where a dataset folder stands (done / failed / missing shards), and its index once complete. */
import { join } from 'node:path';
import { MmtokError } from '@mmtok/core';
import { readJsonFile, writeJsonFile } from './json-files.js';
import { INDEX_FILE, PLAN_FILE, shardPaths } from './layout.js';
import type { DatasetPlan } from './plan.js';
import { readMarker, type ShardMarker } from './shard.js';

export interface ShardFailure {
  shard: string;
  code: string;
  message: string;
}

export interface DatasetStatus {
  dir: string;
  shards: number;
  done: string[];
  failed: ShardFailure[];
  missing: string[];
  /** Totals over the done shards. */
  items: number;
  failures: number;
  tokens: number;
  bytes: number;
  /** True when every shard is done and dataset.json is written. */
  complete: boolean;
}

export async function readPlan(dir: string): Promise<DatasetPlan> {
  const plan = await readJsonFile<DatasetPlan>(join(dir, PLAN_FILE));
  if (!plan || !Array.isArray(plan.shards)) {
    throw new MmtokError(
      'MMTOK_NOT_FOUND',
      `${dir}: no ${PLAN_FILE}; not a dataset folder (made by mmtok dataset encode)`,
      {
        path: dir,
      },
    );
  }
  return plan;
}

async function markers(dir: string, plan: DatasetPlan): Promise<(ShardMarker | undefined)[]> {
  return Promise.all(plan.shards.map((s) => readMarker(shardPaths(dir, s).marker)));
}

export async function datasetStatus(dir: string): Promise<DatasetStatus> {
  const plan = await readPlan(dir);
  const found = await markers(dir, plan);
  const status: DatasetStatus = {
    dir,
    shards: plan.shards.length,
    done: [],
    failed: [],
    missing: [],
    items: 0,
    failures: 0,
    tokens: 0,
    bytes: 0,
    complete: false,
  };
  for (const [i, shard] of plan.shards.entries()) {
    const m = found[i];
    if (m) {
      status.done.push(shard);
      status.items += m.items;
      status.failures += m.failures;
      status.tokens += m.tokens;
      status.bytes += m.bytes;
      continue;
    }
    const failed = await readJsonFile<ShardFailure>(shardPaths(dir, shard).failed);
    if (failed) status.failed.push({ shard, code: failed.code, message: failed.message });
    else status.missing.push(shard);
  }
  status.complete =
    status.done.length === plan.shards.length && (await readJsonFile(join(dir, INDEX_FILE))) !== undefined;
  return status;
}

/** `dataset.json`: every shard with its counts, and the totals. No timings, so equal runs give equal files. */
export interface DatasetIndex {
  format: 'mmtok-dataset';
  version: 1;
  shards: { name: string; tar: string; items: number; failures: number; tokens: number; bytes: number }[];
  items: number;
  failures: number;
  tokens: number;
  bytes: number;
  tokenizers: ShardMarker['tokenizers'];
  /** The encoding options besides the tokenizer (--audio-tokenizer/--no-audio, --dtype, --max-pixels), when any. */
  encoding?: DatasetPlan['encoding'];
}

/** Writes dataset.json when every shard has its marker; returns undefined (writing nothing) otherwise. */
export async function writeIndex(dir: string): Promise<DatasetIndex | undefined> {
  const plan = await readPlan(dir);
  const found = await markers(dir, plan);
  if (found.some((m) => m === undefined)) return undefined;
  const done = found as ShardMarker[];
  const sum = (f: (m: ShardMarker) => number) => done.reduce((n, m) => n + f(m), 0);
  const index: DatasetIndex = {
    format: 'mmtok-dataset',
    version: 1,
    shards: done.map((m) => ({
      name: m.shard,
      tar: `${m.shard}.tar`,
      items: m.items,
      failures: m.failures,
      tokens: m.tokens,
      bytes: m.bytes,
    })),
    items: sum((m) => m.items),
    failures: sum((m) => m.failures),
    tokens: sum((m) => m.tokens),
    bytes: sum((m) => m.bytes),
    tokenizers: Object.assign({}, ...done.map((m) => m.tokenizers)),
    ...(plan.encoding ? { encoding: plan.encoding } : {}),
  };
  await writeJsonFile(join(dir, INDEX_FILE), index);
  return index;
}

/** Records why a shard failed its last attempt (status reports it; a later success removes it). */
export async function writeShardFailure(dir: string, failure: ShardFailure): Promise<void> {
  await writeJsonFile(shardPaths(dir, failure.shard).failed, failure);
}
