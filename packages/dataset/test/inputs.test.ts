/**
 * Inputs other than image folders: WebDataset tars made by Python's tarfile (brace ranges, text and
 * JSON members carried over, a sample without media), `.jsonl` lists with metadata, audio files,
 * and a tar input that is not a tar.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeAudioFile, encodeWav, loadAudioTokenizer } from '@mmtok/audio';
import { decodeTokenFile } from '@mmtok/core';
import { loadTokenizer, readImage } from '@mmtok/image';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatasetSample, encodeDataset, readDatasetSamples } from '../src/index.js';
import { makeImages, outputDigests } from './helpers.js';

let root: string;
let images: string[];

async function samplesOf(dir: string): Promise<DatasetSample[]> {
  const out: DatasetSample[] = [];
  for await (const s of readDatasetSamples(dir)) out.push(s);
  return out;
}

/** Two WebDataset shards written by Python: 3 + 2 samples, one of them without any media member. */
const MAKE_TARS = `
import io, json, sys, tarfile
root, images = sys.argv[1], sys.argv[2:]
def add(tar, name, body):
    info = tarfile.TarInfo(name); info.size = len(body); tar.addfile(info, io.BytesIO(body))
samples = [("a/s0", images[0], "a red thing", {"id": 10}), ("a/s1", images[1], "two", None),
           ("a/s2", None, "caption only", {"id": 12}), ("b/s3", images[2], None, {"id": 13}),
           ("b/s4", images[3], "last", None)]
for shard, chunk in (("00008", samples[:3]), ("00009", samples[3:])):
    with tarfile.open(f"{root}/data-{shard}.tar", "w") as tar:
        for key, image, text, meta in chunk:
            if image: add(tar, key + ".png", open(image, "rb").read())
            if text: add(tar, key + ".txt", text.encode())
            if meta: add(tar, key + ".json", json.dumps(meta).encode())
`;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mmtok-dataset-inputs-'));
  images = await makeImages(join(root, 'images'), 4, 32);
  await mkdir(join(root, 'web'));
  execFileSync('/usr/bin/python3', ['-c', MAKE_TARS, join(root, 'web'), ...images]);
}, 120_000);

afterAll(() => rm(root, { recursive: true, force: true }));

describe('dataset inputs', () => {
  it('reads WebDataset tars as streams: tokens of the image member, text and JSON carried over', async () => {
    const out = join(root, 'from-tars');
    const r = await encodeDataset({
      inputs: [join(root, 'web', 'data-{00008..00009}.tar')],
      output: out,
      shardSize: 2,
      workers: 2,
    });
    expect(r.failed).toEqual([]);
    expect(r.index).toMatchObject({ items: 4, failures: 1 });
    const samples = await samplesOf(out);
    expect(samples.map((s) => [s.key, s.meta.member, s.text?.txt])).toEqual([
      ['000000000', 'a/s0', 'a red thing'],
      ['000000001', 'a/s1', 'two'],
      ['000000003', 'b/s3', undefined],
      ['000000004', 'b/s4', 'last'],
    ]);
    expect(samples.map((s) => s.meta.meta)).toEqual([{ id: 10 }, undefined, { id: 13 }, undefined]);
    expect(samples[0].meta.source).toBe(join(root, 'web', 'data-00008.tar'));
    const tokenizer = await loadTokenizer('default');
    try {
      for (const [s, image] of [samples[0], samples[1], samples[2], samples[3]].map(
        (s, i) => [s, images[i]] as const,
      )) {
        const expected = await tokenizer.encode(await readImage(await readFile(image)));
        expect(Array.from(decodeTokenFile(s.tokenFile).indices)).toEqual(Array.from(expected.indices));
      }
    } finally {
      await tokenizer.dispose();
    }
    const errors = (await readFile(join(out, 'shard-00001.errors.jsonl'), 'utf8')).trim().split('\n');
    expect(errors.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ key: '000000002', member: 'a/s2', code: 'MMTOK_UNSUPPORTED' }),
    ]);
  });

  it('takes the tars of a folder as the same inputs as their brace pattern', async () => {
    const pattern = join(root, 'pattern');
    const folder = join(root, 'folder');
    await encodeDataset({ inputs: [join(root, 'web', 'data-{00008..00009}.tar')], output: pattern, workers: 1 });
    await encodeDataset({ inputs: [join(root, 'web')], output: folder, workers: 1 });
    expect(await outputDigests(folder)).toEqual(await outputDigests(pattern));
    expect(Object.keys(await outputDigests(folder))).toContain('shard-00000.tar');
  });

  it('keeps the fields of a .jsonl list (captions as text members), with paths relative to the list', async () => {
    const list = join(root, 'list.jsonl');
    await writeFile(
      list,
      `${JSON.stringify({ path: 'images/img-001.png', caption: 'one', split: 'train' })}\n\n${JSON.stringify({ path: images[0], caption: 'zero' })}\n`,
    );
    const out = join(root, 'from-list');
    await encodeDataset({ inputs: [list], output: out, workers: 1 });
    const samples = await samplesOf(out);
    expect(samples.map((s) => [s.meta.source, s.meta.meta, s.text])).toEqual([
      [images[0], undefined, { caption: 'zero' }],
      [images[1], { split: 'train' }, { caption: 'one' }],
    ]);
    await writeFile(list, '{"file": "x.png"}\n');
    await expect(encodeDataset({ inputs: [list], output: join(root, 'bad-list'), workers: 1 })).rejects.toMatchObject({
      code: 'MMTOK_CONFIG',
    });
  });

  it('tokenizes audio files as encodeAudioFile does', async () => {
    const rate = 16_000;
    const data = new Float32Array(rate * 2);
    for (let i = 0; i < data.length; i++)
      data[i] = 0.4 * Math.sin((2 * Math.PI * (200 + 300 * Math.random()) * i) / rate);
    const wav = join(root, 'audio', 'tone.wav');
    await mkdir(join(root, 'audio'), { recursive: true });
    await writeFile(wav, encodeWav({ data, channels: 1, sampleRate: rate, length: data.length }));
    const out = join(root, 'from-audio');
    await encodeDataset({ inputs: [join(root, 'audio')], output: out, workers: 1 });
    const [sample] = await samplesOf(out);
    const tokenizer = await loadAudioTokenizer('default');
    try {
      const expected = await encodeAudioFile(tokenizer, wav);
      const file = decodeTokenFile(sample.tokenFile);
      expect(file.header.modality).toBe('audio');
      expect(file.header.shape).toEqual(expected.shape);
      expect(Array.from(file.indices)).toEqual(Array.from(expected.indices));
      expect(sample.meta).toMatchObject({ modality: 'audio', sampleRate: rate, samples: data.length });
      const marker = JSON.parse(await readFile(join(out, 'shard-00000.json'), 'utf8'));
      expect(marker.tokenizers).toEqual({ audio: { ...tokenizer.identity } });
    } finally {
      await tokenizer.dispose();
    }
  });

  it('refuses a tar input that is not a tar while planning, before any shard is written', async () => {
    const tar = join(root, 'broken.tar');
    await writeFile(tar, 'this is not a tar');
    await expect(encodeDataset({ inputs: [tar], output: join(root, 'broken-out'), workers: 1 })).rejects.toMatchObject({
      code: 'MMTOK_FILE_FORMAT',
      message: expect.stringContaining(tar),
    });
    expect(await readdir(join(root, 'broken-out'))).toEqual([]);
  });
});
