/**
 * Writes one shard: its items decoded a step ahead of the tokenizer, the tar written member by
 * member to a temp file and renamed, then the errors file, then the success marker — last, so a
 * marker always means a complete shard. A shard with a matching marker is skipped, which makes
 * writing it again (a rerun, a queue's second delivery) harmless.
 */
import { createHash } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MmtokError } from '@mmtok/core';
import { writeFileAtomic } from '@mmtok/core/node';
import { type DecodedItem, decodeItem, discardItem, encodeItems, type ItemRef } from './encode-item.js';
import { checkPositiveInteger, errorInfo } from './errors.js';
import { readJsonFile, writeJsonFile } from './json-files.js';
import { isShardTemp, shardPaths } from './layout.js';
import { readTarSamples, type TarSample } from './tar-input.js';
import { TarWriter } from './tar-writer.js';
import {
  type EncodingOptions,
  encodingOptions,
  type ModalityIdentities,
  type TokenizedPart,
  type TokenizerSpec,
  type Tokenizers,
} from './tokenizers.js';
import { VERSION } from './version.js';

/** An item of a shard: its sample key and where it comes from. */
export interface ShardItem {
  key: string;
  path: string;
  member?: { key: string; ordinal: number };
  meta?: Record<string, unknown>;
}

/** Everything a worker (thread, process or machine) needs to write a shard: plain JSON. */
export interface ShardTask extends TokenizerSpec {
  /** The output folder (absolute; shared by all workers). */
  dir: string;
  name: string;
  items: ShardItem[];
  /** Hash of the items, tokenizer and encoding options: a marker from other ones is refused, not silently kept. */
  planHash: string;
  /**
   * Consecutive images handed to the tokenizer at once (it batches those of one size where its
   * encoder has a dynamic batch axis). A speed setting: the bytes written do not depend on it.
   * Default DEFAULT_BATCH_SIZE.
   */
  batchSize?: number;
}

export const DEFAULT_BATCH_SIZE = 8;

export const checkBatchSize = (n: number): number => checkPositiveInteger('batch size', n);

/** The success marker `shard-NNNNN.json`. */
export interface ShardMarker {
  shard: string;
  /** Samples written. */
  items: number;
  /** Items that failed (one line each in the errors file). */
  failures: number;
  tokens: number;
  /** Size of the tar. */
  bytes: number;
  seconds: number;
  tokenizers: ModalityIdentities;
  /** The encoding options the shard was written with (--audio-tokenizer/--no-audio, --dtype, --max-pixels), when any. */
  encoding?: EncodingOptions;
  planHash: string;
  createdBy: string;
}

export interface ItemFailure {
  key: string;
  source: string;
  member?: string;
  code: string;
  message: string;
}

export function planHash(items: readonly ShardItem[], tokenizer: string, encoding: EncodingOptions = {}): string {
  return createHash('sha256')
    .update(JSON.stringify({ items, tokenizer, ...encoding }))
    .digest('hex');
}

export const readMarker = (path: string) => readJsonFile<ShardMarker>(path);

/** The marker of a finished shard, or undefined; a marker made from other inputs is an error. */
export async function finishedMarker(task: ShardTask): Promise<ShardMarker | undefined> {
  const marker = await readMarker(shardPaths(task.dir, task.name).marker);
  if (marker && marker.planHash !== task.planHash) {
    throw new MmtokError(
      'MMTOK_DATASET_MISMATCH',
      `${task.dir}: ${task.name} was made from other inputs, another tokenizer or other encoding options; use a new output folder`,
      { shard: task.name },
    );
  }
  return marker;
}

/** Leftover temp files of this shard (from a killed writer) removed. */
async function removeTemps(dir: string, name: string): Promise<void> {
  const files = await readdir(dir);
  await Promise.all(files.filter((f) => isShardTemp(f, name)).map((f) => rm(join(dir, f), { force: true })));
}

/** Items with their tar sample (read in stream order, one tar open at a time). */
async function* withSamples(items: readonly ShardItem[]): AsyncGenerator<[ShardItem, TarSample | undefined]> {
  let i = 0;
  while (i < items.length) {
    const item = items[i];
    if (!item.member) {
      yield [item, undefined];
      i++;
      continue;
    }
    // The run of items from this tar: consecutive, in tar order (inputs are sorted that way).
    let j = i;
    while (j < items.length && items[j].path === item.path && items[j].member) j++;
    const run = items.slice(i, j);
    const wanted = new Map(run.map((it) => [it.member!.ordinal, it]));
    for await (const sample of readTarSamples(item.path, (o) => wanted.has(o), run[run.length - 1].member!.ordinal)) {
      const it = wanted.get(sample.ordinal);
      if (it) yield [it, sample];
    }
    i = j;
  }
}

const refOf = (item: ShardItem): ItemRef => ({
  key: item.key,
  path: item.path,
  ...(item.member ? { member: item.member.key } : {}),
  ...(item.meta ? { meta: item.meta } : {}),
});

/** How many items are decoded ahead of the tokenizer's current one (or batch). */
const LOOK_AHEAD = 2;

export interface WriteShardResult {
  marker: ShardMarker;
  /** True when the shard already had its marker and nothing was written. */
  skipped: boolean;
  /** Items tokenized in one encoder run together with others. */
  batched: number;
}

export async function writeShard(
  task: ShardTask,
  tokenizers: Tokenizers,
  onItem?: (done: number) => void,
): Promise<WriteShardResult> {
  const existing = await finishedMarker(task);
  if (existing) return { marker: existing, skipped: true, batched: 0 };
  const batchSize = checkBatchSize(task.batchSize ?? DEFAULT_BATCH_SIZE);
  const started = performance.now();
  const paths = shardPaths(task.dir, task.name);
  await removeTemps(task.dir, task.name);
  const tar = new TarWriter(paths.tar);
  const failures: ItemFailure[] = [];
  const pending: [ShardItem, Promise<DecodedItem>][] = [];
  const source = withSamples(task.items);
  const parts = new Set<TokenizedPart>();
  let written = 0;
  let tokens = 0;
  let done = 0;
  let batched = 0;
  const pull = async (): Promise<boolean> => {
    const next = await source.next();
    if (next.done) return false;
    const [item, sample] = next.value;
    const decoding = decodeItem(refOf(item), sample, task.maxPixels);
    decoding.catch(() => {}); // awaited in order below
    pending.push([item, decoding]);
    return true;
  };
  try {
    for (let k = 0; k < batchSize + LOOK_AHEAD - 1; k++) if (!(await pull())) break;
    while (pending.length > 0) {
      const group = pending.splice(0, batchSize);
      for (let k = 0; k < group.length; k++) await pull();
      const encoded = await encodeItems(
        group.map(([, decoding]) => decoding),
        tokenizers,
      );
      batched += encoded.batched;
      for (const [k, [item]] of group.entries()) {
        const r = encoded.results[k];
        if (r.status === 'rejected') {
          const { code, message } = errorInfo(r.reason);
          const member = item.member ? { member: item.member.key } : {};
          failures.push({ key: item.key, source: item.path, ...member, code, message });
        } else {
          // A failing tar write fails the shard, not the item.
          for (const [name, body] of r.value.members) await tar.add(name, body);
          written++;
          tokens += r.value.tokens;
          parts.add(r.value.modality);
          if (r.value.soundTrack) parts.add('videoAudio');
        }
        onItem?.(++done);
      }
    }
    await tar.commit();
  } catch (e) {
    await tar.abort();
    await source.return(undefined);
    await Promise.all(pending.map(([, d]) => d.then(discardItem, () => {})));
    throw e;
  }
  if (failures.length > 0) {
    await writeFileAtomic(
      paths.errors,
      new TextEncoder().encode(failures.map((f) => `${JSON.stringify(f)}\n`).join('')),
    );
  } else await rm(paths.errors, { force: true });
  const encoding = encodingOptions(task);
  const marker: ShardMarker = {
    shard: task.name,
    items: written,
    failures: failures.length,
    tokens,
    bytes: (await stat(paths.tar)).size,
    seconds: Math.round((performance.now() - started) / 10) / 100,
    tokenizers: await tokenizers.identities(parts),
    ...(Object.keys(encoding).length > 0 ? { encoding } : {}),
    planHash: task.planHash,
    createdBy: `@mmtok/dataset ${VERSION}`,
  };
  await writeJsonFile(paths.marker, marker);
  await rm(paths.failed, { force: true });
  return { marker, skipped: false, batched };
}
