/**
 * Reads a dataset folder back, sample by sample, in shard and key order (streamed: one sample's
 * members in memory at a time). `mmtok pack` reads dataset folders through this.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MmtokError } from '@mmtok/core';
import { INDEX_FILE } from './layout.js';
import type { DatasetIndex } from './status.js';
import { readTarSamples } from './tar-input.js';

export interface DatasetSample {
  key: string;
  /** The shard it was read from, e.g. 'shard-00000'. */
  shard: string;
  /** The `.mmtok` token file's bytes (decode with @mmtok/core's decodeTokenFile). */
  tokenFile: Uint8Array;
  /** The sample's JSON: source, modality, shape, tokens, metadata. */
  meta: Record<string, unknown>;
  /** Text members carried over from a WebDataset input (`txt`, `caption`, ...), by extension. */
  text?: Record<string, string>;
}

/** Shards to read: those of dataset.json, else every shard with a success marker. */
async function shardsOf(dir: string): Promise<string[]> {
  try {
    const index = JSON.parse(await readFile(join(dir, INDEX_FILE), 'utf8')) as DatasetIndex;
    return index.shards.map((s) => s.name);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new MmtokError('MMTOK_FILE_FORMAT', `${join(dir, INDEX_FILE)}: ${(e as Error).message}`);
    }
  }
  let files: string[];
  try {
    files = await readdir(dir);
  } catch (e) {
    throw new MmtokError('MMTOK_NOT_FOUND', `${dir}: cannot read the dataset folder (${(e as Error).message})`);
  }
  const marked = new Set(files);
  return files
    .filter((f) => /^shard-\d+\.tar$/.test(f) && marked.has(f.replace(/\.tar$/, '.json')))
    .map((f) => f.replace(/\.tar$/, ''))
    .sort();
}

export async function* readDatasetSamples(dir: string): AsyncGenerator<DatasetSample> {
  for (const shard of await shardsOf(dir)) {
    const tar = join(dir, `${shard}.tar`);
    for await (const sample of readTarSamples(tar)) {
      const tokenFile = sample.members.get('mmtok');
      const json = sample.members.get('json');
      if (!tokenFile || !json) {
        throw new MmtokError('MMTOK_FILE_FORMAT', `${tar}: sample ${sample.key} lacks its .mmtok or .json member`);
      }
      const text: Record<string, string> = {};
      for (const [ext, body] of sample.members)
        if (ext !== 'mmtok' && ext !== 'json') text[ext] = body.toString('utf8');
      yield {
        key: sample.key,
        shard,
        tokenFile: new Uint8Array(tokenFile.buffer, tokenFile.byteOffset, tokenFile.byteLength),
        meta: JSON.parse(json.toString('utf8')) as Record<string, unknown>,
        ...(Object.keys(text).length > 0 ? { text } : {}),
      };
    }
  }
}
