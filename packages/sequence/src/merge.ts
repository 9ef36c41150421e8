/**
 * Merging packed prefixes (e.g. one per dataset shard, packed in parallel) into one, as Megatron's
 * IndexedDatasetBuilder.add_index does: data files concatenated, sequence lengths appended, the
 * document index continued; the layouts must be identical. Written like pack: temp files, renamed
 * at the end, the layout last (Node only).
 */
import { mkdir, open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { MmtokError } from '@mmtok/core';
import type { SequenceLayout } from './layout.js';
import { encodeIndex } from './megatron.js';
import { encodeNpyHeader, NPY_HEADER_BYTES } from './npy.js';
import { abortFiles, PendingFile } from './output-file.js';
import { finishOutput, outputNames, type PackOutput, uniqueKey } from './pack.js';
import { openPacked, readRecords } from './packed.js';

export interface MergeResult extends PackOutput {
  prefix: string;
  layout: SequenceLayout;
  /** How many prefixes were merged. */
  merged: number;
  paths: string[];
  bytes: number;
}

const CHUNK = 4 * 1024 * 1024;

/** Copies bytes [from, end of file) of `path` onto `out`. */
async function copyData(path: string, from: number, out: PendingFile): Promise<void> {
  const fh = await open(path, 'r');
  try {
    const buf = new Uint8Array(CHUNK);
    for (let at = from; ; ) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, at);
      if (bytesRead === 0) break;
      await out.write(buf.subarray(0, bytesRead));
      at += bytesRead;
    }
  } finally {
    await fh.close();
  }
}

export async function mergePacked(inputs: readonly string[], prefix: string): Promise<MergeResult> {
  if (inputs.length === 0) throw new MmtokError('MMTOK_EMPTY', 'nothing to merge');
  const packs = [];
  for (const p of inputs) packs.push(await openPacked(p));
  const [first] = packs;
  const layoutJson = JSON.stringify(first.layout);
  for (const p of packs) {
    if (
      JSON.stringify(p.layout) !== layoutJson ||
      p.output.format !== first.output.format ||
      p.output.dtype !== first.output.dtype
    ) {
      throw new MmtokError(
        'MMTOK_MISMATCH',
        `${p.prefix} was packed with another layout or format than ${first.prefix} (${p.output.format} ${p.output.dtype}, '${p.layout.preset}' vs ${first.output.format} ${first.output.dtype}, '${first.layout.preset}'); merge needs identical layouts`,
      );
    }
  }
  const { format, dtype } = first.output;
  const dir = dirname(prefix);
  const files = outputNames(prefix, format);
  await mkdir(dir, { recursive: true });
  const pending: PendingFile[] = [];
  try {
    const data = await PendingFile.create(join(dir, files.data), format === 'npy' ? NPY_HEADER_BYTES : 0);
    pending.push(data);
    const docs = await PendingFile.create(join(dir, files.docs));
    pending.push(docs);
    const used = new Set<string>();
    const lengths: number[] = [];
    let tokens = 0;
    for (const p of packs) {
      await copyData(join(dirname(p.prefix), p.output.files.data), format === 'npy' ? NPY_HEADER_BYTES : 0, data);
      const lines: string[] = [];
      for await (const r of readRecords(p)) {
        lines.push(`${JSON.stringify({ ...r, key: uniqueKey(r.key, used) })}\n`);
        lengths.push(r.tokens);
        tokens += r.tokens;
      }
      await docs.write(new TextEncoder().encode(lines.join('')));
    }
    if (format === 'npy') await data.write(encodeNpyHeader(dtype, tokens), 0);
    if (format === 'megatron') {
      const index = await PendingFile.create(join(dir, files.index!));
      pending.splice(1, 0, index);
      await index.write(encodeIndex(dtype as 'uint16' | 'int32', Int32Array.from(lengths)));
    }
    const output: PackOutput = { format, dtype, documents: lengths.length, tokens, files };
    const bytes = await finishOutput(pending, prefix, first.layout, output);
    return {
      prefix,
      layout: first.layout,
      merged: packs.length,
      ...output,
      paths: pending.map((f) => f.finalPath),
      bytes,
    };
  } catch (e) {
    await abortFiles(pending);
    throw e;
  }
}
