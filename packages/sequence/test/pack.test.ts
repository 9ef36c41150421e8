/**
 * pack → files → read back: Megatron .bin/.idx, flat .bin and .npy read by independent numpy-only
 * readers (scripts/read_megatron.py, scripts/read_flat.py, run with /usr/bin/python3), captions
 * tokenized with a tokenizer.json whose ids are known by hand, unpack giving the token files back
 * byte for byte, and bad input leaving nothing behind.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeTokenFile, isMmtokError, type TokenModality } from '@mmtok/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentIds, presetLayout, type TokenSet, textTokenizer } from '../src/index.js';
import { describePacked, mergePacked, type PackItem, pack, unpack } from '../src/node.js';

const here = dirname(fileURLToPath(import.meta.url));
const SCRIPTS = join(here, '..', 'scripts');
const TOK = { name: 'tok', version: '1.0.0', hash: 'c'.repeat(64) };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mmtok-sequence-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function python(script: string, ...args: string[]) {
  return JSON.parse(
    execFileSync('/usr/bin/python3', [join(SCRIPTS, script), ...args], { encoding: 'utf8', maxBuffer: 1 << 28 }),
  );
}

function tokenFile(modality: TokenModality, shape: number[], codebookSize: number, seed: number, tokenizer = TOK) {
  const n = shape.reduce((a, b) => a * b, 1);
  const indices = Int32Array.from({ length: n }, (_, i) => (i * 7 + seed * 13) % codebookSize);
  return encodeTokenFile({
    header: { tokenizer, modality, shape, codebookSize, source: { seed }, createdBy: 'test' },
    indices,
  });
}

function asSet(bytes: Uint8Array): TokenSet {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const headerLength = view.getUint32(12, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + headerLength)));
  const n = header.shape.reduce((a: number, b: number) => a * b, 1);
  const start = 20 + headerLength;
  const width = header.dtype === 'uint8' ? 1 : header.dtype === 'uint16' ? 2 : 4;
  const indices = Int32Array.from({ length: n }, (_, i) =>
    width === 1
      ? bytes[start + i]
      : width === 2
        ? view.getUint16(start + 2 * i, true)
        : view.getInt32(start + 4 * i, true),
  );
  return { header, indices };
}

const images: PackItem[] = [
  { key: 'a', tokenFile: tokenFile('image', [2, 3, 2], 256, 1), text: 'A cat on the mat.' },
  { key: 'b', tokenFile: tokenFile('image', [1, 1, 2], 256, 2) },
  { key: 'c', tokenFile: tokenFile('image', [3, 3, 2], 256, 3), text: 'the dog' },
];

const tokenizerJson = async () => JSON.parse(await readFile(join(here, 'fixtures', 'tokenizer.json'), 'utf8'));

describe('Megatron indexed dataset', () => {
  it('uint16: captions before the media, media after the 11 text ids, read by numpy', async () => {
    const text = textTokenizer(await tokenizerJson());
    expect(text.vocabSize).toBe(11);
    const prefix = join(dir, 'img', 'train');
    const result = await pack({
      documents: images,
      prefix,
      text,
      layout: (first) =>
        presetLayout('offset', {
          modality: first.header.modality,
          tokenizer: first.header.tokenizer,
          codebookSize: [256, 256],
          text: { place: 'before', vocabSize: text.vocabSize },
        }),
    });
    expect(result.dtype).toBe('uint16');
    const r = python('read_megatron.py', prefix);
    expect(r.version).toBe(1);
    expect(r.dtype).toBe('uint16');
    expect(r.sequence_count).toBe(3);
    expect(r.document_count).toBe(4);
    expect(r.document_indices).toEqual([0, 1, 2, 3]);
    // Lengths: text + 6·2 codes + eod; pointers in bytes (2 per id).
    expect(r.lengths).toEqual([6 + 12 + 1, 2 + 1, 2 + 18 + 1]);
    expect(r.pointers).toEqual([0, 38, 44]);
    // "A cat on the mat." → a cat on the mat . = 1 2 3 4 5 6 (lowercased, split on whitespace and punctuation).
    expect(r.documents[0].slice(0, 6)).toEqual([1, 2, 3, 4, 5, 6]);
    // Image codes start at 11 (level 0) and 11 + 256 (level 1); eod = 11 + 512.
    const a = asSet(images[0].tokenFile as Uint8Array);
    expect(r.documents[0].slice(6, 8)).toEqual([11 + a.indices[0], 11 + 256 + a.indices[1]]);
    expect(r.documents[0].at(-1)).toBe(523);
    expect(r.documents[2].slice(0, 2)).toEqual([4, 7]);
    expect(r.documents[1]).toEqual([...documentIds(asSet(images[1].tokenFile as Uint8Array), result.layout)]);

    const info = await describePacked(prefix);
    expect(info.documents).toBe(3);
    expect(info.tokens).toBe(19 + 3 + 21);
    expect(info.textTokens).toBe(8);
    expect(info.modalities).toEqual({ image: { documents: 3, tokens: 43 } });
    expect(info.lengthHistogram).toEqual([
      { from: 2, to: 4, documents: 1 },
      { from: 16, to: 32, documents: 2 },
    ]);

    const out = join(dir, 'img-back');
    const back = await unpack(prefix, out);
    expect(back.files.map((f) => f.key)).toEqual(['a', 'b', 'c']);
    for (const item of images) {
      expect(new Uint8Array(await readFile(join(out, `${item.key}.mmtok`)))).toEqual(item.tokenFile);
    }
  });

  it('int32 for a vocabulary of 65,500 ids or more (Orpheus: 156,938)', async () => {
    const snac = { ...TOK, name: 'snac_24khz' };
    const docs = [0, 1].map((i) => ({ key: `s${i}`, tokenFile: tokenFile('audio', [7, 3 + i], 4096, i, snac) }));
    const prefix = join(dir, 'tts', 'speech');
    const result = await pack({
      documents: docs,
      prefix,
      layout: (first) =>
        presetLayout('orpheus-snac', {
          modality: 'audio',
          tokenizer: first.header.tokenizer,
          codebookSize: Array(7).fill(4096),
        }),
    });
    expect(result.dtype).toBe('int32');
    const r = python('read_megatron.py', prefix);
    expect(r.dtype).toBe('int32');
    expect(r.lengths).toEqual([2 + 21, 2 + 28]);
    expect(r.pointers).toEqual([0, 23 * 4]);
    expect(r.documents[0][0]).toBe(128257);
    expect(r.documents[1].at(-1)).toBe(128258);
    expect(Math.max(...r.documents.flat())).toBeGreaterThan(65_535);
    const out = join(dir, 'tts-back');
    await unpack(prefix, out);
    for (const d of docs) expect(new Uint8Array(await readFile(join(out, `${d.key}.mmtok`)))).toEqual(d.tokenFile);
  });
});

describe('flat exports', () => {
  const layout = (first: TokenSet) =>
    presetLayout('delay', { modality: 'image', tokenizer: first.header.tokenizer, codebookSize: [256, 256] });

  it('nanoGPT .bin: uint16 ids back to back, documents ending in eod', async () => {
    const prefix = join(dir, 'flat', 'train');
    const result = await pack({ documents: images, prefix, layout, format: 'flat' });
    const r = python('read_flat.py', `${prefix}.bin`, 'uint16');
    const expected = images.flatMap((d) => [...documentIds(asSet(d.tokenFile as Uint8Array), result.layout)]);
    expect(r.ids).toEqual(expected);
    // eod = 512 + 1 (after the pad), once per document.
    expect(r.ids.filter((id: number) => id === 513)).toHaveLength(3);
    const back = join(dir, 'flat-back');
    await unpack(`${prefix}.bin`, back);
    expect(new Uint8Array(await readFile(join(back, 'c.mmtok')))).toEqual(images[2].tokenFile);
  });

  it('a truncated data file: unpack names the document it ends in', async () => {
    const prefix = join(dir, 'cut', 'train');
    await pack({ documents: images, prefix, layout, format: 'flat' });
    const { truncate, stat } = await import('node:fs/promises');
    await truncate(`${prefix}.bin`, (await stat(`${prefix}.bin`)).size - 2);
    await expect(unpack(prefix, join(dir, 'cut-back'))).rejects.toThrow(
      /MMTOK_PACKED: train\.bin ends inside document 2 \('c'\)/,
    );
  });

  it('.npy: numpy.load gives the same ids', async () => {
    const prefix = join(dir, 'npy', 'train');
    const result = await pack({ documents: images, prefix, layout, format: 'npy' });
    const r = python('read_flat.py', `${prefix}.npy`);
    expect(r.dtype).toBe('uint16');
    expect(r.shape).toEqual([result.tokens]);
    expect(r.ids).toEqual(images.flatMap((d) => [...documentIds(asSet(d.tokenFile as Uint8Array), result.layout)]));
  });

  it('uint32 when the vocabulary passes 65,536', async () => {
    const prefix = join(dir, 'flat32', 'x');
    const snac = { ...TOK, name: 'snac' };
    await pack({
      documents: [{ key: 'x', tokenFile: tokenFile('audio', [7, 2], 4096, 5, snac) }],
      prefix,
      format: 'flat',
      layout: () =>
        presetLayout('orpheus-snac', { modality: 'audio', tokenizer: snac, codebookSize: Array(7).fill(4096) }),
    });
    const r = python('read_flat.py', `${prefix}.bin`, 'uint32');
    expect(r.ids[0]).toBe(128257);
    expect(r.ids).toHaveLength(16);
  });
});

describe('merging packed shards into one index', () => {
  const layout = (first: TokenSet) =>
    presetLayout('offset', { modality: 'image', tokenizer: first.header.tokenizer, codebookSize: [256, 256] });

  it('megatron: data concatenated, lengths appended, document index continued (numpy reader)', async () => {
    const a = join(dir, 'shards', 'a');
    const b = join(dir, 'shards', 'b');
    await pack({ documents: images.slice(0, 2), prefix: a, layout });
    await pack({ documents: [images[2], { ...images[0], key: 'a' }], prefix: b, layout });
    const merged = join(dir, 'merged', 'all');
    const r = await mergePacked([a, b], merged);
    expect(r.documents).toBe(4);
    const ra = python('read_megatron.py', a);
    const rb = python('read_megatron.py', b);
    const rm_ = python('read_megatron.py', merged);
    expect(rm_.documents).toEqual([...ra.documents, ...rb.documents]);
    expect(rm_.document_indices).toEqual([0, 1, 2, 3, 4]);
    expect(rm_.lengths).toEqual([...ra.lengths, ...rb.lengths]);
    // Pointers continue from the first shard's bytes (2 per uint16 id).
    const firstBytes = 2 * ra.lengths.reduce((x: number, y: number) => x + y, 0);
    expect(rm_.pointers.slice(2)).toEqual(rb.pointers.map((p: number) => p + firstBytes));
    // The second 'a' is renamed so unpack does not overwrite the first.
    const out = join(dir, 'merged-back');
    const back = await unpack(merged, out);
    expect(back.files.map((f) => f.key)).toEqual(['a', 'b', 'c', 'a-2']);
    expect(new Uint8Array(await readFile(join(out, 'a-2.mmtok')))).toEqual(images[0].tokenFile);
  });

  it('refuses shards packed with different layouts, writing nothing', async () => {
    const a = join(dir, 'mix', 'a');
    const b = join(dir, 'mix', 'b');
    await pack({ documents: images, prefix: a, layout });
    await pack({
      documents: images,
      prefix: b,
      layout: (f) =>
        presetLayout('delay', { modality: 'image', tokenizer: f.header.tokenizer, codebookSize: [256, 256] }),
    });
    await expect(mergePacked([a, b], join(dir, 'mix-out', 'x'))).rejects.toThrow(
      /another layout or format.*'delay' vs megatron uint16, 'offset'/,
    );
    expect(await readdir(join(dir, 'mix-out')).catch(() => [])).toEqual([]);
  });
});

describe('bad input writes nothing', () => {
  async function expectNothingWritten(
    sub: string,
    run: (prefix: string) => Promise<unknown>,
    code: string,
    pattern: RegExp,
  ) {
    const folder = join(dir, sub);
    let error: unknown;
    try {
      await run(join(folder, 'out'));
    } catch (e) {
      error = e;
    }
    expect(isMmtokError(error), String(error)).toBe(true);
    expect((error as { code: string }).code).toBe(code);
    expect((error as Error).message).toMatch(pattern);
    expect(await readdir(folder).catch(() => [])).toEqual([]);
  }
  const imageLayout = (first: TokenSet) =>
    presetLayout('offset', { modality: 'image', tokenizer: first.header.tokenizer, codebookSize: [256, 256] });

  it('a token file from another tokenizer than the layout names (after others were written)', async () => {
    const other = { key: 'z', tokenFile: tokenFile('image', [1, 2, 2], 256, 9, { ...TOK, hash: 'd'.repeat(64) }) };
    await expectNothingWritten(
      'mismatch',
      (prefix) => pack({ documents: [...images, other], prefix, layout: imageLayout }),
      'MMTOK_MISMATCH',
      /^MMTOK_MISMATCH: z: token set was made by tokenizer tok 1\.0\.0 \(hash dddddddddddd…\)/,
    );
  });

  it('an unknown preset', async () => {
    await expectNothingWritten(
      'preset',
      (prefix) =>
        pack({
          documents: images,
          prefix,
          layout: (f) => presetLayout('audiolm', { ...f.header, codebookSize: [256] }),
        }),
      'MMTOK_LAYOUT',
      /unknown layout preset 'audiolm'/,
    );
  });

  it('text the tokenizer has no id for', async () => {
    const text = textTokenizer(await tokenizerJson());
    await expectNothingWritten(
      'text',
      (prefix) =>
        pack({
          documents: [{ ...images[1], text: 'a zebra' }],
          prefix,
          text,
          layout: (first) =>
            presetLayout('offset', {
              modality: 'image',
              tokenizer: first.header.tokenizer,
              codebookSize: [256, 256],
              text: { place: 'after', vocabSize: text.vocabSize },
            }),
        }),
      'MMTOK_TEXT_TOKENIZER',
      /no id for 'zebra'/,
    );
  });
});
