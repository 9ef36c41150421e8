/**
 * Local dataset runs on real images: tokens against the tokenizer's own encode of each file, tars
 * read back by Python (tarfile + numpy), byte-identical output across worker counts, resumes and a
 * `kill -9`, per-item failures, and the output check before any work.
 */
import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeTokenFile } from '@mmtok/core';
import { type ImageTokenizer, loadTokenizer, readImage } from '@mmtok/image';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetStatus, encodeDataset, readDatasetSamples } from '../src/index.js';
import { filesIn, makeImages, outputDigests, runChild } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
let root: string;
let images: string[];
let tokenizer: ImageTokenizer;
let reference: Record<string, string>;

interface PySample {
  shape: number[];
  indices: number[];
  tokenizer: { hash: string };
  json: Record<string, unknown>;
  text: Record<string, string>;
}
interface PyMember {
  name: string;
  mtime: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  mode: number;
}

function readWithPython(dir: string): { members: PyMember[]; samples: Record<string, PySample> } {
  return JSON.parse(execFileSync('/usr/bin/python3', [join(here, 'read_shards.py'), dir], { encoding: 'utf8' }));
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mmtok-dataset-'));
  images = await makeImages(join(root, 'images'), 7, 40);
  tokenizer = await loadTokenizer('default');
  await encodeDataset({ inputs: [join(root, 'images')], output: join(root, 'reference'), shardSize: 3, workers: 1 });
  reference = await outputDigests(join(root, 'reference'));
}, 120_000);

afterAll(async () => {
  await tokenizer?.dispose();
  await rm(root, { recursive: true, force: true });
});

describe('encodeDataset', () => {
  it('writes every sample as the tokens of its file, readable by Python tarfile + numpy', async () => {
    const dir = join(root, 'reference');
    expect(await filesIn(dir)).toEqual([
      'dataset.json',
      'dataset.plan.json',
      'shard-00000.json',
      'shard-00000.tar',
      'shard-00001.json',
      'shard-00001.tar',
      'shard-00002.json',
      'shard-00002.tar',
    ]);
    const py = readWithPython(dir);
    // Sorted inputs, positions as keys, .mmtok then .json per sample.
    expect(py.members.map((m) => m.name)).toEqual(
      images.flatMap((_, i) => [`${String(i).padStart(9, '0')}.mmtok`, `${String(i).padStart(9, '0')}.json`]),
    );
    for (const m of py.members) {
      expect([m.mtime, m.uid, m.gid, m.uname, m.gname, m.mode]).toEqual([0, 0, 0, '', '', 0o644]);
    }
    for (const [i, path] of images.entries()) {
      const expected = await tokenizer.encode(await readImage(path));
      const sample = py.samples[String(i).padStart(9, '0')];
      expect(sample.shape).toEqual(expected.shape);
      expect(sample.indices).toEqual(Array.from(expected.indices));
      expect(sample.tokenizer.hash).toBe(tokenizer.identity.hash);
      expect(sample.json).toMatchObject({
        source: path,
        modality: 'image',
        shape: expected.shape,
        width: 40,
        height: 40,
      });
    }
    const index = JSON.parse(await readFile(join(dir, 'dataset.json'), 'utf8'));
    const perImage = py.samples['000000000'].indices.length;
    expect(index).toMatchObject({ items: 7, failures: 0, tokens: 7 * perImage });
    expect(index.tokenizers).toEqual({ image: { ...tokenizer.identity } });
    expect(index.shards.map((s: { items: number }) => s.items)).toEqual([3, 3, 1]);
    // The reader the pack command uses sees the same samples.
    const read = [];
    for await (const s of readDatasetSamples(dir)) read.push(s);
    expect(read.map((s) => [s.key, s.shard])).toEqual(
      images.map((_, i) => [String(i).padStart(9, '0'), `shard-0000${Math.floor(i / 3)}`]),
    );
    expect(Array.from(decodeTokenFile(read[4].tokenFile).indices)).toEqual(py.samples['000000004'].indices);
  });

  it('writes the same bytes with 2 workers, and when resumed after losing a shard', async () => {
    const two = join(root, 'two-workers');
    await encodeDataset({ inputs: [join(root, 'images')], output: two, shardSize: 3, workers: 2 });
    expect(await outputDigests(two)).toEqual(reference);

    const resumed = join(root, 'resumed');
    await cp(join(root, 'reference'), resumed, { recursive: true });
    await rm(join(resumed, 'shard-00001.json'));
    await rm(join(resumed, 'shard-00001.tar'));
    await rm(join(resumed, 'dataset.json'));
    expect((await datasetStatus(resumed)).missing).toEqual(['shard-00001']);
    const again = await encodeDataset({ inputs: [join(root, 'images')], output: resumed, shardSize: 3, workers: 2 });
    expect(again.skipped).toBe(2);
    expect(await outputDigests(resumed)).toEqual(reference);
    expect(await datasetStatus(resumed)).toMatchObject({
      done: ['shard-00000', 'shard-00001', 'shard-00002'],
      complete: true,
    });
  });

  it('refuses to resume over shards made from other inputs', async () => {
    const other = join(root, 'other-inputs');
    await cp(join(root, 'reference'), other, { recursive: true });
    const result = await encodeDataset({ inputs: images.slice(1), output: other, shardSize: 3, workers: 1 });
    expect(result.failed.map((f) => f.code)).toEqual(['MMTOK_DATASET_MISMATCH', 'MMTOK_DATASET_MISMATCH']);
    expect(result.index).toBeUndefined();
  });

  it('logs a corrupt item in the errors file and writes the rest of its shard', async () => {
    const dir = join(root, 'corrupt-in');
    await cp(join(root, 'images'), dir, { recursive: true });
    await truncate(join(dir, 'img-004.png'), 60);
    const out = join(root, 'corrupt-out');
    const result = await encodeDataset({ inputs: [dir], output: out, shardSize: 3, workers: 2 });
    expect(result.failed).toEqual([]);
    const errors = (await readFile(join(out, 'shard-00001.errors.jsonl'), 'utf8')).trim().split('\n');
    expect(errors).toHaveLength(1);
    expect(JSON.parse(errors[0])).toMatchObject({ key: '000000004', source: join(dir, 'img-004.png') });
    expect(JSON.parse(errors[0]).code).toMatch(/^MMTOK_/);
    const marker = JSON.parse(await readFile(join(out, 'shard-00001.json'), 'utf8'));
    expect([marker.items, marker.failures]).toEqual([2, 1]);
    const keys = [];
    for await (const s of readDatasetSamples(out)) keys.push(s.key);
    expect(keys).toEqual(['000000000', '000000001', '000000002', '000000003', '000000005', '000000006']);
    expect(result.index).toMatchObject({ items: 6, failures: 1 });
  });

  it('fails a shard that cannot be written alone; status lists it; a rerun completes the dataset', async () => {
    const out = join(root, 'blocked');
    // A folder where shard-00001.tar must go: the rename of that shard's tar fails on every attempt.
    await mkdir(join(out, 'shard-00001.tar'), { recursive: true });
    const r = await encodeDataset({
      inputs: [join(root, 'images')],
      output: out,
      shardSize: 3,
      workers: 2,
      retries: 1,
    });
    expect(r.failed).toEqual([expect.objectContaining({ shard: 'shard-00001', code: 'MMTOK_IO' })]);
    expect(r.index).toBeUndefined();
    expect(await datasetStatus(out)).toMatchObject({
      done: ['shard-00000', 'shard-00002'],
      failed: [expect.objectContaining({ shard: 'shard-00001', code: 'MMTOK_IO' })],
      missing: [],
      complete: false,
    });
    expect((await filesIn(out)).filter((f) => f.startsWith('.'))).toEqual([]);
    await rm(join(out, 'shard-00001.tar'), { recursive: true });
    const again = await encodeDataset({ inputs: [join(root, 'images')], output: out, shardSize: 3, workers: 2 });
    expect(again.skipped).toBe(2);
    expect(await outputDigests(out)).toEqual(reference);
    expect(await filesIn(out)).not.toContain('shard-00001.failed.json');
  });

  it('fails on an unwritable output folder before looking at the inputs', async () => {
    const file = join(root, 'a-file');
    await writeFile(file, 'not a folder');
    // Even root cannot create a folder under a regular file.
    await expect(
      encodeDataset({ inputs: [join(root, 'no-such-input')], output: join(file, 'out'), workers: 1 }),
    ).rejects.toMatchObject({ code: 'MMTOK_IO', message: expect.stringContaining(join(file, 'out')) });
    await expect(
      encodeDataset({ inputs: [join(root, 'no-such-input')], output: join(root, 'fine'), workers: 1 }),
    ).rejects.toMatchObject({
      code: 'MMTOK_NOT_FOUND',
    });
  });

  it('after kill -9 mid-shard, a rerun leaves the same bytes and no temp files', async () => {
    const big = join(root, 'big');
    await makeImages(big, 24, 128, 'big');
    const expectedDir = join(root, 'big-expected');
    await encodeDataset({ inputs: [big], output: expectedDir, shardSize: 8, workers: 1 });
    const out = join(root, 'big-killed');
    const child = runChild('encode', { inputs: [big], output: out, shardSize: 8, workers: 1 });
    await child.waitFor(/^progress [1-9]\d*\/24$/);
    child.proc.kill('SIGKILL');
    expect(await child.exited).toBe('SIGKILL');
    const left = await filesIn(out);
    expect(left).not.toContain('dataset.json');
    // Killed mid-shard: the shard's tar is still a dot-named temp file, and it has no marker.
    expect(left.filter((f) => /^\.shard-00000\.tar\.\w+\.tmp$/.test(f))).toHaveLength(1);
    expect(left).not.toContain('shard-00000.json');
    const result = await encodeDataset({ inputs: [big], output: out, shardSize: 8, workers: 2 });
    expect(result.failed).toEqual([]);
    expect(await outputDigests(out)).toEqual(await outputDigests(expectedDir));
    expect((await filesIn(out)).filter((f) => f.startsWith('.'))).toEqual([]);
  }, 180_000);
});
