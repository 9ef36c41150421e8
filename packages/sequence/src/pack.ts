/**
 * pack: token sets (and their captions) → one training file set under a prefix:
 *
 *   megatron  <prefix>.bin + <prefix>.idx   (Megatron-LM / NeMo indexed dataset)
 *   flat      <prefix>.bin                  (nanoGPT / llm.c style: uint16, or uint32 when the vocabulary needs it)
 *   npy       <prefix>.npy                  (the same flat ids as a NumPy array)
 *
 * plus <prefix>.docs.jsonl (one DocumentRecord per document: what unpack needs to rebuild each
 * token file) and <prefix>.layout.json (the layout and the output facts), written last as the
 * success marker. Everything is written to temp files and renamed at the end; on any error the
 * temp files are removed and nothing appears. Ids stream through a fixed buffer (Node only).
 */
import { mkdir } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { decodeTokenFile, MmtokError, type TokenFile } from '@mmtok/core';
import { type DocumentRecord, documentIds } from './document.js';
import { megatronDtype, type SequenceLayout } from './layout.js';
import { encodeIndex } from './megatron.js';
import { encodeNpyHeader, NPY_HEADER_BYTES } from './npy.js';
import { abortFiles, commitFiles, IdStream, PendingFile, type StorageDtype } from './output-file.js';
import type { TokenSet } from './sequence.js';
import type { TextTokenizer } from './text.js';

export const PACK_FORMATS = ['megatron', 'flat', 'npy'] as const;
export type PackFormat = (typeof PACK_FORMATS)[number];

/** One item to pack: a token file (bytes or decoded) and optionally its caption. */
export interface PackItem {
  key: string;
  tokenFile: Uint8Array | TokenFile;
  text?: string;
}

export interface PackOptions {
  documents: AsyncIterable<PackItem> | Iterable<PackItem>;
  prefix: string;
  /** A layout, or a function building one (a preset) from the first token set. */
  layout: SequenceLayout | ((first: TokenSet) => SequenceLayout);
  format?: PackFormat;
  /** Tokenizes captions; without it, items' text is left out (counted in textSkipped). */
  text?: TextTokenizer;
  onProgress?: (documents: number) => void;
}

/** What pack records beside the layout in <prefix>.layout.json. */
export interface PackOutput {
  format: PackFormat;
  dtype: StorageDtype;
  documents: number;
  tokens: number;
  /** File names beside the layout: data, index (megatron), docs. */
  files: { data: string; index?: string; docs: string };
}

export interface PackResult extends PackOutput {
  prefix: string;
  layout: SequenceLayout;
  /** Final paths, the layout last. */
  paths: string[];
  bytes: number;
  textTokens: number;
  textSkipped: number;
  modalities: Record<string, { documents: number; tokens: number }>;
}

/** Flat files: uint16 while every id fits, else uint32 (nanoGPT's prepare scripts use uint16). */
export function flatDtype(layout: SequenceLayout): StorageDtype {
  return layout.vocabSize <= 0x10000 ? 'uint16' : 'uint32';
}

/** The files a prefix gets in a format (names beside the prefix's folder). */
export function outputNames(prefix: string, format: PackFormat): PackOutput['files'] {
  const name = basename(prefix);
  return {
    data: `${name}.${format === 'npy' ? 'npy' : 'bin'}`,
    ...(format === 'megatron' ? { index: `${name}.idx` } : {}),
    docs: `${name}.docs.jsonl`,
  };
}

/** Writes the layout with the output facts (the success marker), closes and renames everything; returns the bytes written. */
export async function finishOutput(
  pending: PendingFile[],
  prefix: string,
  layout: SequenceLayout,
  output: PackOutput,
): Promise<number> {
  const marker = await PendingFile.create(`${prefix}.layout.json`);
  pending.push(marker);
  await marker.write(new TextEncoder().encode(`${JSON.stringify({ ...layout, output }, null, 2)}\n`));
  for (const f of pending) await f.close();
  await commitFiles(pending);
  return pending.reduce((a, f) => a + f.bytes, 0) + (output.format === 'npy' ? NPY_HEADER_BYTES : 0);
}

/** A file-name-safe key, unique among `used` (unpack writes `<key>.mmtok`). */
export function uniqueKey(key: string, used: Set<string>): string {
  const safe = key.replace(/[^\w.-]+/g, '_').replace(/^\.+/, '_') || 'item';
  let k = safe;
  for (let i = 2; used.has(k); i++) k = `${safe}-${i}`;
  used.add(k);
  return k;
}

class GrowableInt32 {
  data = new Int32Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
}

/** Packs documents into `<prefix>.*`; see the file comment for what is written. */
export async function pack(options: PackOptions): Promise<PackResult> {
  const format = options.format ?? 'megatron';
  if (!(PACK_FORMATS as readonly string[]).includes(format))
    throw new MmtokError('MMTOK_CONFIG', `unknown pack format '${format}'; formats: ${PACK_FORMATS.join(', ')}`);
  const { prefix } = options;
  const files = outputNames(prefix, format);
  await mkdir(dirname(prefix), { recursive: true });
  const pending: PendingFile[] = [];
  let layout: SequenceLayout | undefined;
  let ids: IdStream | undefined;
  let docsFile: PendingFile | undefined;
  let docLines: string[] = [];
  let docBytes = 0;
  const lengths = new GrowableInt32();
  const modalities: PackResult['modalities'] = {};
  const used = new Set<string>();
  let tokens = 0;
  let textTokens = 0;
  let textSkipped = 0;
  const flushDocs = async () => {
    if (docLines.length) await docsFile!.write(new TextEncoder().encode(docLines.join('')));
    docLines = [];
    docBytes = 0;
  };
  try {
    for await (const item of options.documents) {
      const file = item.tokenFile instanceof Uint8Array ? decodeTokenFile(item.tokenFile) : item.tokenFile;
      const { tracks: _tracks, ...header } = file.header;
      const set: TokenSet = { header: file.header.tracks ? file.header : header, indices: file.indices };
      if (!layout) {
        layout = typeof options.layout === 'function' ? options.layout(set) : options.layout;
        const dtype = format === 'megatron' ? megatronDtype(layout) : flatDtype(layout);
        const data = await PendingFile.create(
          `${dirname(prefix)}/${files.data}`,
          format === 'npy' ? NPY_HEADER_BYTES : 0,
        );
        pending.push(data);
        ids = new IdStream(data, dtype);
        docsFile = await PendingFile.create(`${dirname(prefix)}/${files.docs}`);
        pending.push(docsFile);
      }
      let text: Int32Array | undefined;
      if (item.text !== undefined && item.text !== '') {
        if (options.text) text = options.text.encode(item.text);
        else textSkipped++;
      }
      const key = uniqueKey(item.key, used);
      let doc: ArrayLike<number>;
      try {
        doc = documentIds(set, layout, text);
      } catch (e) {
        if (e instanceof MmtokError)
          throw new MmtokError(e.code, `${item.key}: ${e.message.replace(/^\w+: /, '')}`, {
            key: item.key,
            ...e.details,
          });
        throw e;
      }
      await ids!.append(doc);
      lengths.push(doc.length);
      tokens += doc.length;
      textTokens += text?.length ?? 0;
      const m = (modalities[header.modality] ??= { documents: 0, tokens: 0 });
      m.documents++;
      m.tokens += doc.length;
      const record: DocumentRecord = { key, header, textTokens: text?.length ?? 0, tokens: doc.length };
      const line = `${JSON.stringify(record)}\n`;
      docLines.push(line);
      docBytes += line.length;
      if (docBytes > 1 << 20) await flushDocs();
      options.onProgress?.(lengths.length);
    }
    if (!layout || !ids || !docsFile) throw new MmtokError('MMTOK_EMPTY', 'nothing to pack: no token files were given');
    await ids.flush();
    await flushDocs();
    const dtype = ids.dtype;
    if (format === 'npy') await ids.file.write(encodeNpyHeader(dtype, ids.count), 0);
    if (format === 'megatron') {
      const index = await PendingFile.create(`${dirname(prefix)}/${files.index}`);
      pending.splice(1, 0, index);
      await index.write(encodeIndex(dtype as 'uint16' | 'int32', lengths.data.subarray(0, lengths.length)));
    }
    const output: PackOutput = { format, dtype, documents: lengths.length, tokens, files };
    const bytes = await finishOutput(pending, prefix, layout, output);
    return {
      prefix,
      layout,
      ...output,
      paths: pending.map((f) => f.finalPath),
      bytes,
      textTokens,
      textSkipped,
      modalities,
    };
  } catch (e) {
    await abortFiles(pending);
    throw e;
  }
}
