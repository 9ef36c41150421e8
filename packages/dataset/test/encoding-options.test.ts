/**
 * The `mmtok encode` options a dataset takes too, carried by each shard task: `--no-audio` and
 * `--audio-tokenizer` (a video's sound track), `--dtype` (hf: ONNX weights) and `--max-pixels`.
 * A sample equals `mmtok encode` of the same file with the same options; the options are recorded
 * in the markers and dataset.json, and a rerun with other options into the same folder is refused
 * before any work. The hf: codec is @mmtok/audio's fixture (PyTorch's codes in its reference),
 * served by @mmtok/hub's test server; its `_fp16` files are the fp32 weights under the fp16 name,
 * so the dtype shows in the tokenizer identity while the codes stay PyTorch's.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { decodeTokenFile } from '@mmtok/core';
import { type HubServer, startHubServer } from '@mmtok/hub/test-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeDataset, readDatasetSamples, runDatasetWorker } from '../src/index.js';
import { makeImages, outputDigests, startRedis, useHubServer, writeReferenceWav } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const CLI = join(here, '..', '..', '..', 'apps', 'cli', 'src', 'main.ts');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const CODEC_DIR = join(here, '..', '..', 'audio', 'test', 'fixtures', 'hub');
const codecRef = JSON.parse(await readFile(join(CODEC_DIR, 'mimi-like.reference.json'), 'utf8'));
const CODEC = 'hf:test-org/mimi-like';

let root: string;
let clip: string;
let server: HubServer;
let restoreHub: (() => void) | undefined;

/** The CLI from its sources, e.g. mmtok('encode', input, '-o', output, '--no-audio'). */
function mmtok(...args: string[]): Promise<void> {
  return new Promise((done, fail) =>
    execFile(
      process.execPath,
      ['--conditions=source', '--import', TSX, CLI, ...args],
      { timeout: 120_000 },
      (error, _stdout, stderr) => (error ? fail(new Error(stderr)) : done()),
    ),
  );
}

async function samplesOf(dir: string) {
  const out = [];
  for await (const s of readDatasetSamples(dir)) out.push(s);
  return out;
}

const json = async (path: string) => JSON.parse(await readFile(path, 'utf8'));
const withoutCreatedBy = (bytes: Uint8Array) => {
  const f = decodeTokenFile(bytes);
  return { ...f, header: { ...f.header, createdBy: '' } };
};

/** The codec fixture's files, with each ONNX model also under its `_fp16` name. */
async function codecFiles(): Promise<Record<string, Uint8Array>> {
  const dir = join(CODEC_DIR, 'mimi-like');
  const files: Record<string, Uint8Array> = {};
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const name = relative(dir, join(e.parentPath, e.name));
    files[name] = await readFile(join(dir, name));
    if (name.endsWith('.onnx')) files[name.replace(/\.onnx$/, '_fp16.onnx')] = files[name];
  }
  return files;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mmtok-dataset-options-'));
  clip = join(root, 'clips', 'sound.webm');
  await mkdir(dirname(clip));
  execFileSync('ffmpeg', [
    ...['-hide_banner', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=64x64:r=8:d=1'],
    ...['-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', '-pix_fmt', 'yuv420p', '-c:a', 'libopus', clip],
  ]);
  server = await startHubServer({ 'test-org/mimi-like': { files: await codecFiles() } });
  await writeReferenceWav(codecRef, join(root, 'x.wav'));
  // The CLI child sees the test server too.
  restoreHub = useHubServer(server.endpoint, root);
}, 120_000);

afterAll(async () => {
  restoreHub?.();
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

describe('dataset encode with mmtok encode options', () => {
  it('--no-audio: no sound track, as mmtok encode --no-audio; recorded; a rerun with sound refused first', async () => {
    const out = join(root, 'silent');
    await mmtok('dataset', 'encode', clip, '-o', out, '--no-audio', '--workers', '1');
    const [sample] = await samplesOf(out);
    expect(decodeTokenFile(sample.tokenFile).tracks).toEqual([]);
    expect(sample.meta.audio).toBeUndefined();
    const cli = join(root, 'silent.mmtok');
    await mmtok('encode', clip, '-o', cli, '--no-audio');
    expect(withoutCreatedBy(sample.tokenFile)).toEqual(withoutCreatedBy(await readFile(cli)));
    expect((await json(join(out, 'shard-00000.json'))).encoding).toEqual({ audioTokenizer: false });
    expect((await json(join(out, 'dataset.json'))).encoding).toEqual({ audioTokenizer: false });

    // The same folder with the sound kept: refused before any shard is touched, before the inputs
    // are even listed (a missing one would be another error).
    const before = (await stat(join(out, 'shard-00000.tar'))).mtimeMs;
    await rm(join(out, 'shard-00000.json'));
    const inputs = [clip, join(root, 'no-such-input')];
    await expect(encodeDataset({ inputs, output: out, workers: 1 })).rejects.toMatchObject({
      code: 'MMTOK_DATASET_MISMATCH',
    });
    expect(await readdir(out)).not.toContain('shard-00000.json');
    expect((await stat(join(out, 'shard-00000.tar'))).mtimeMs).toBe(before);
  }, 240_000);

  it('a shard whose marker was made with other options fails with MMTOK_DATASET_MISMATCH (queue workers too)', async () => {
    const out = join(root, 'marker-check');
    await encodeDataset({ inputs: [clip], output: out, audioTokenizer: false, workers: 1 });
    // Without the plan file only the marker's hash can tell: a worker handed the task sees it.
    await rm(join(out, 'dataset.plan.json'));
    const r = await encodeDataset({ inputs: [clip], output: out, workers: 1 });
    expect(r.failed.map((f) => f.code)).toEqual(['MMTOK_DATASET_MISMATCH']);
  }, 240_000);

  it('the options travel in the queue job: one worker thread writes --no-audio and default shards as local runs do', async () => {
    const redis = await startRedis(join(root, 'redis'));
    const worker = await runDatasetWorker({ queue: redis.url, queueName: 'options', workers: 1 });
    try {
      for (const [name, audioTokenizer] of [
        ['silent', false],
        ['sound', undefined],
      ] as const) {
        const local = join(root, `local-${name}`);
        await encodeDataset({ inputs: [clip], output: local, audioTokenizer, workers: 1 });
        const queued = join(root, `queued-${name}`);
        const r = await encodeDataset({
          inputs: [clip],
          output: queued,
          audioTokenizer,
          queue: redis.url,
          queueName: 'options',
        });
        expect(r.failed).toEqual([]);
        expect(await outputDigests(queued)).toEqual(await outputDigests(local));
        const [sample] = await samplesOf(queued);
        expect(decodeTokenFile(sample.tokenFile).tracks.length).toBe(audioTokenizer === false ? 0 : 1);
      }
    } finally {
      await worker.close();
      await redis.stop();
    }
  }, 240_000);

  it('--audio-tokenizer and --dtype: the sound track by that hf: codec and its weights, as mmtok encode', async () => {
    const out = join(root, 'codec-sound');
    const r = await encodeDataset({ inputs: [clip], output: out, audioTokenizer: CODEC, dtype: 'fp16', workers: 1 });
    expect(r.failed).toEqual([]);
    const [sample] = await samplesOf(out);
    const file = decodeTokenFile(sample.tokenFile);
    expect(file.tracks.map((t) => t.header.tokenizer)).toEqual([
      expect.objectContaining({ name: `${CODEC}@${server.commitOf('test-org/mimi-like')}`, version: 'fp16' }),
    ]);
    const cli = join(root, 'codec-sound.mmtok');
    await mmtok('encode', clip, '-o', cli, '--audio-tokenizer', CODEC, '--dtype', 'fp16');
    expect(withoutCreatedBy(sample.tokenFile)).toEqual(withoutCreatedBy(await readFile(cli)));
    expect((await json(join(out, 'shard-00000.json'))).encoding).toEqual({ audioTokenizer: CODEC, dtype: 'fp16' });
    expect((await json(join(out, 'dataset.json'))).encoding).toEqual({ audioTokenizer: CODEC, dtype: 'fp16' });
  }, 240_000);

  it('--dtype with an hf: audio tokenizer: those weights load, and the codes are PyTorch’s', async () => {
    const out = join(root, 'codec-fp16');
    const r = await encodeDataset({ inputs: [join(root, 'x.wav')], output: out, tokenizer: CODEC, dtype: 'fp16' });
    expect(r.failed).toEqual([]);
    const [speech] = await samplesOf(out);
    const file = decodeTokenFile(speech.tokenFile);
    expect(file.header.tokenizer.version).toBe('fp16');
    expect(Array.from(file.indices)).toEqual(codecRef.dtypes.fp32.tokens);
  }, 240_000);

  it('--max-pixels: a larger image is one errors-file line with its code, the rest of the shard written', async () => {
    const images = join(root, 'images');
    await makeImages(images, 3, 16, 'small');
    await makeImages(images, 1, 48, 'wide');
    const out = join(root, 'capped');
    const r = await encodeDataset({ inputs: [images], output: out, maxPixels: 1000, workers: 1 });
    expect(r.failed).toEqual([]);
    const errors = (await readFile(join(out, 'shard-00000.errors.jsonl'), 'utf8')).trim().split('\n');
    expect(errors.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ source: join(images, 'wide-000.png'), code: 'MMTOK_IMAGE_TOO_LARGE' }),
    ]);
    const marker = await json(join(out, 'shard-00000.json'));
    expect(marker).toMatchObject({ items: 3, failures: 1, encoding: { maxPixels: 1000 } });
    expect((await samplesOf(out)).map((s) => s.meta.source)).toEqual(
      [0, 1, 2].map((i) => join(images, `small-00${i}.png`)),
    );
    await expect(encodeDataset({ inputs: [images], output: join(root, 'zero'), maxPixels: 0 })).rejects.toMatchObject({
      code: 'MMTOK_CONFIG',
    });
  }, 240_000);
});
