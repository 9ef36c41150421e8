/** Sorted items → shards of `shardSize` (the same inputs always give the same shards), and the plan file. */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MmtokError } from '@mmtok/core';
import { checkPositiveInteger } from './errors.js';
import type { DatasetItem } from './inputs.js';
import { readJsonFile, writeJsonFile } from './json-files.js';
import { PLAN_FILE, sampleKey, shardName } from './layout.js';
import { planHash, type ShardTask } from './shard.js';
import { type EncodingOptions, encodingOptions, type TokenizerSpec } from './tokenizers.js';

export const DEFAULT_SHARD_SIZE = 1000;

export function planShards(
  items: readonly DatasetItem[],
  dir: string,
  spec: TokenizerSpec,
  shardSize = DEFAULT_SHARD_SIZE,
): ShardTask[] {
  checkPositiveInteger('shard size', shardSize);
  const tasks: ShardTask[] = [];
  const encoding = encodingOptions(spec);
  for (let start = 0; start < items.length; start += shardSize) {
    const shardItems = items.slice(start, start + shardSize).map((item, i) => ({
      key: sampleKey(start + i),
      path: item.path,
      ...(item.member ? { member: item.member } : {}),
      ...(item.meta ? { meta: item.meta } : {}),
    }));
    tasks.push({
      dir,
      name: shardName(tasks.length),
      items: shardItems,
      planHash: planHash(shardItems, spec.tokenizer, encoding),
      tokenizer: spec.tokenizer,
      ...(spec.backend ? { backend: spec.backend } : {}),
      ...encoding,
    });
  }
  return tasks;
}

/** What `dataset.plan.json` records: enough for `mmtok dataset status` to know what is missing. */
export interface DatasetPlan {
  shards: string[];
  items: number;
  shardSize: number;
  tokenizer: string;
  /** The encoding options besides the tokenizer, when any (see encodingOptions). */
  encoding?: EncodingOptions;
}

/**
 * Creates the output folder and proves it writable (a probe file) before any work, so a bad
 * output path fails at once with its reason rather than after the first shard's encoding.
 */
export async function prepareOutput(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    const probe = join(dir, `.mmtok-write-probe-${process.pid}.tmp`);
    await writeFile(probe, '');
    await rm(probe);
  } catch (e) {
    throw new MmtokError(
      'MMTOK_IO',
      `${dir}: cannot write the dataset here (${(e as Error).message}); choose a writable output folder`,
      { path: dir },
    );
  }
}

const describeSpec = (tokenizer: string, encoding: EncodingOptions) => JSON.stringify({ tokenizer, ...encoding });

/**
 * A folder planned before with another tokenizer or other encoding options is refused before any
 * work, the inputs' listing included: its shards would mix two datasets (each shard's marker hash
 * also refuses it, for queue workers).
 */
export async function checkSamePlan(dir: string, spec: TokenizerSpec): Promise<void> {
  const before = await readJsonFile<DatasetPlan>(join(dir, PLAN_FILE));
  if (!before || typeof before.tokenizer !== 'string') return;
  const was = describeSpec(before.tokenizer, before.encoding ?? {});
  const now = describeSpec(spec.tokenizer, encodingOptions(spec));
  if (was !== now) {
    throw new MmtokError(
      'MMTOK_DATASET_MISMATCH',
      `${dir} holds a dataset made with ${was}, not ${now}; use a new output folder`,
      { path: dir },
    );
  }
}

/** Records the plan (the tokenizer and encoding options, for checkSamePlan). */
export async function writePlan(
  dir: string,
  tasks: readonly ShardTask[],
  shardSize: number,
  spec: TokenizerSpec,
): Promise<DatasetPlan> {
  const encoding = encodingOptions(spec);
  const plan: DatasetPlan = {
    shards: tasks.map((t) => t.name),
    items: tasks.reduce((n, t) => n + t.items.length, 0),
    shardSize,
    tokenizer: spec.tokenizer,
    ...(Object.keys(encoding).length > 0 ? { encoding } : {}),
  };
  await writeJsonFile(join(dir, PLAN_FILE), plan);
  return plan;
}
