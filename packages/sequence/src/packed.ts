/**
 * Reading a packed prefix back: its layout and output facts, each document's ids (read from the
 * data file one document at a time), unpack to .mmtok files, and a summary for `mmtok info` (Node only).
 */
import { createReadStream } from 'node:fs';
import { type FileHandle, mkdir, open, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { MmtokError } from '@mmtok/core';
import { writeTokenFile } from '@mmtok/core/node';
import { type DocumentRecord, splitDocument } from './document.js';
import { checkLayout, type SequenceLayout } from './layout.js';
import { decodeIndex, type MegatronIndex } from './megatron.js';
import { decodeNpyHeader, NPY_HEADER_BYTES } from './npy.js';
import { STORAGE_BYTES } from './output-file.js';
import type { PackOutput } from './pack.js';

export interface Packed {
  prefix: string;
  layout: SequenceLayout;
  output: PackOutput;
  /** Megatron only. */
  index?: MegatronIndex;
}

function packedError(message: string, details?: Record<string, unknown>): never {
  throw new MmtokError('MMTOK_PACKED', message, details);
}

/** Strips a trailing .layout.json/.bin/.idx/.npy/.docs.jsonl so any of a prefix's files names it. */
export function packedPrefix(path: string): string {
  return path.replace(/\.(layout\.json|docs\.jsonl|bin|idx|npy)$/, '');
}

/** Opens `<prefix>.layout.json` (the success marker) and, for Megatron, the index. */
export async function openPacked(path: string): Promise<Packed> {
  const prefix = packedPrefix(path);
  let raw: string;
  try {
    raw = await readFile(`${prefix}.layout.json`, 'utf8');
  } catch (e) {
    packedError(
      `${prefix}.layout.json cannot be read (${(e as Error).message}); is ${prefix} the prefix given to mmtok pack?`,
      { path: prefix },
    );
  }
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(raw);
  } catch {
    packedError(`${prefix}.layout.json is not JSON`);
  }
  const layout = checkLayout(json);
  const output = json.output as PackOutput | undefined;
  if (!output || typeof output !== 'object' || !output.files?.data || !output.files?.docs)
    packedError(`${prefix}.layout.json has no output facts: it is a layout, not a packed prefix`);
  const dir = dirname(prefix);
  let index: MegatronIndex | undefined;
  if (output.format === 'megatron') {
    index = decodeIndex(await readFile(join(dir, output.files.index!)));
    if (index.lengths.length !== output.documents)
      packedError(
        `${output.files.index} holds ${index.lengths.length} sequences, the layout says ${output.documents} documents`,
      );
  }
  return { prefix, layout, output, ...(index ? { index } : {}) };
}

/** The document records of a packed prefix, streamed line by line. */
export async function* readRecords(packed: Packed): AsyncGenerator<DocumentRecord> {
  const path = join(dirname(packed.prefix), packed.output.files.docs);
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  for await (const line of lines) {
    if (line.trim() === '') continue;
    n++;
    try {
      yield JSON.parse(line) as DocumentRecord;
    } catch {
      packedError(`${path}: line ${n} is not JSON`);
    }
  }
}

/** Each document's record and ids, read from the data file in order. */
export async function* readDocuments(packed: Packed): AsyncGenerator<{ record: DocumentRecord; ids: Int32Array }> {
  const { output } = packed;
  const dataPath = join(dirname(packed.prefix), output.files.data);
  const fh: FileHandle = await open(dataPath, 'r');
  try {
    let at = 0;
    const item = STORAGE_BYTES[output.dtype];
    if (output.format === 'npy') {
      const head = new Uint8Array(NPY_HEADER_BYTES);
      await fh.read(head, 0, head.length, 0);
      const h = decodeNpyHeader(head);
      if (h.dtype !== output.dtype || h.count !== output.tokens)
        packedError(
          `${output.files.data}: the .npy header (${h.dtype}, ${h.count} ids) does not match the layout (${output.dtype}, ${output.tokens})`,
        );
      at = h.dataStart;
    }
    const size = (await fh.stat()).size;
    let d = 0;
    for await (const record of readRecords(packed)) {
      if (!Number.isSafeInteger(record.tokens) || record.tokens < 0 || at + record.tokens * item > size) {
        packedError(
          `${output.files.data} ends inside document ${d} ('${record.key}'): ${record.tokens} ids from byte ${at} do not fit its ${size} bytes (truncated, or the records do not belong to it)`,
        );
      }
      if (packed.index && packed.index.lengths[d] !== record.tokens)
        packedError(
          `document ${d} ('${record.key}'): the index says ${packed.index.lengths[d]} ids, the record ${record.tokens}`,
        );
      const bytes = new Uint8Array(record.tokens * item);
      const { bytesRead } = await fh.read(bytes, 0, bytes.length, at);
      if (bytesRead !== bytes.length)
        packedError(`${output.files.data} ends inside document ${d} ('${record.key}'): truncated`);
      at += bytes.length;
      const view = new DataView(bytes.buffer);
      const ids = new Int32Array(record.tokens);
      for (let i = 0; i < ids.length; i++)
        ids[i] = item === 2 ? view.getUint16(2 * i, true) : view.getInt32(4 * i, true);
      yield { record, ids };
      d++;
    }
    if (d !== output.documents)
      packedError(`${output.files.docs} has ${d} records, the layout says ${output.documents} documents`);
  } finally {
    await fh.close();
  }
}

export interface UnpackResult {
  prefix: string;
  outDir: string;
  files: { key: string; path: string; tokens: number; textTokens: number }[];
}

/** Writes each document back as `<outDir>/<key>.mmtok` (the token file it was packed from). */
export async function unpack(path: string, outDir: string): Promise<UnpackResult> {
  const packed = await openPacked(path);
  await mkdir(outDir, { recursive: true });
  const files: UnpackResult['files'] = [];
  for await (const { record, ids } of readDocuments(packed)) {
    const { set, text } = splitDocument(ids, packed.layout, record);
    const out = join(outDir, `${record.key}.mmtok`);
    await writeTokenFile(out, { header: set.header, indices: set.indices });
    files.push({ key: record.key, path: out, tokens: record.tokens, textTokens: text.length });
  }
  return { prefix: packed.prefix, outDir, files };
}

export interface PackedDescription {
  prefix: string;
  layout: SequenceLayout;
  output: PackOutput;
  documents: number;
  tokens: number;
  textTokens: number;
  modalities: Record<string, { documents: number; tokens: number }>;
  /** Document lengths in power-of-two buckets: [from, to) → count. */
  lengthHistogram: { from: number; to: number; documents: number }[];
  minLength: number;
  maxLength: number;
}

/** Documents, tokens, per-modality counts and a length histogram, from the records alone. */
export async function describePacked(path: string): Promise<PackedDescription> {
  const packed = await openPacked(path);
  const modalities: PackedDescription['modalities'] = {};
  const buckets = new Map<number, number>();
  let documents = 0;
  let tokens = 0;
  let textTokens = 0;
  let minLength = Number.POSITIVE_INFINITY;
  let maxLength = 0;
  for await (const r of readRecords(packed)) {
    documents++;
    tokens += r.tokens;
    textTokens += r.textTokens;
    const m = (modalities[r.header.modality] ??= { documents: 0, tokens: 0 });
    m.documents++;
    m.tokens += r.tokens;
    const b = r.tokens <= 1 ? 0 : Math.floor(Math.log2(r.tokens));
    buckets.set(b, (buckets.get(b) ?? 0) + 1);
    minLength = Math.min(minLength, r.tokens);
    maxLength = Math.max(maxLength, r.tokens);
  }
  const lengthHistogram = [...buckets.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([b, n]) => ({ from: 2 ** b, to: 2 ** (b + 1), documents: n }));
  return {
    prefix: packed.prefix,
    layout: packed.layout,
    output: packed.output,
    documents,
    tokens,
    textTokens,
    modalities,
    lengthHistogram,
    minLength: documents ? minLength : 0,
    maxLength,
  };
}
