/**
 * End-to-end for semantic tokenizers: the real `mmtok` process trains k-means units over the
 * HuBERT-like fixture model's features (packages/audio/fixtures-src/make_semantic_models.py) on
 * speech made with espeak-ng, encodes a held-out clip, diagnoses it (codebook health, no
 * reconstruction) and refuses to decode.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readTokenFile } from '@mmtok/core/node';
import { type HubServer, startHubServer } from '@mmtok/hub/test-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const MAIN = join(here, '..', 'src', 'main.ts');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const MODEL = join(here, '..', '..', '..', 'packages', 'audio', 'test', 'fixtures', 'semantic', 'hubert-like');
const IMAGES = join(here, '..', '..', '..', 'packages', 'image', 'test', 'fixtures', 'semantic');

const hasEspeak = spawnSync('espeak-ng', ['--version']).status === 0;
if (!hasEspeak && process.env.CI === 'true') throw new Error('CI=true but espeak-ng is not installed');

let dir: string;

let env: NodeJS.ProcessEnv = {};

function mmtok(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=source', '--import', TSX, MAIN, ...args],
      { cwd: dir, env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 120_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

describe.skipIf(!hasEspeak)('mmtok train --encoder (semantic units)', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mmtok-cli-semantic-'));
    await mkdir(join(dir, 'speech'));
    const lines = [
      'The birch canoe slid on the smooth planks.',
      'Glue the sheet to the dark blue background.',
      'It is easy to tell the depth of a well.',
      'Rice is often served in round bowls.',
    ];
    lines.forEach((text, i) => {
      execFileSync('espeak-ng', ['-v', i % 2 ? 'en-us' : 'en', '-w', join(dir, 'speech', `line-${i}.wav`), text]);
    });
    execFileSync('espeak-ng', ['-v', 'en', '-w', join(dir, 'held-out.wav'), 'The juice of lemons makes fine punch.']);
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('trains, encodes a held-out clip, reports codebook health and refuses to decode', async () => {
    const train = await mmtok(
      'train',
      'speech/',
      '-o',
      'units/',
      '--encoder',
      MODEL,
      '--codebook-size',
      '12',
      '--json',
    );
    expect(train.code, train.stderr).toBe(0);
    const t = JSON.parse(train.stdout);
    expect(t).toMatchObject({ modality: 'audio', quantizer: 'vq', frameRate: 50, audioFiles: 4 });
    const level = t.codebook.perLevel[0];
    expect(level.codebookSize).toBe(12);
    expect(level.used + level.dead.count).toBe(12);
    expect(level.perplexity).toBeGreaterThan(2);
    const manifest = JSON.parse(await readFile(join(dir, 'units', 'manifest.json'), 'utf8'));
    expect(manifest.decoder).toBeUndefined();
    expect((await readdir(join(dir, 'units', 'encoder', 'onnx'))).sort()).toEqual(['model.onnx']);

    const enc = await mmtok('encode', 'held-out.wav', '-o', 'held-out.mmtok', '--tokenizer', 'units/', '--json');
    expect(enc.code, enc.stderr).toBe(0);
    const tokens = await readTokenFile(join(dir, 'held-out.mmtok'));
    const samples = Number(tokens.header.source.samples);
    // HuBERT framing on the unpadded clip: ⌊(T − 400) / 320⌋ + 1 frames.
    expect(tokens.header.shape).toEqual([1, Math.floor((samples - 400) / 320) + 1]);
    expect(Array.from(tokens.indices).every((i) => i >= 0 && i < 12)).toBe(true);

    const diag = await mmtok('diagnose', 'held-out.wav', '--tokenizer', 'units/', '-o', 'report/');
    expect(diag.code, diag.stderr).toBe(0);
    const report = JSON.parse(await readFile(join(dir, 'report', 'report.json'), 'utf8'));
    expect(report.codebook.perLevel[0]).toMatchObject({ codebookSize: 12, total: tokens.header.shape[1] });
    expect(report.metrics?.aggregate ?? {}).toEqual({});
    expect(report.metrics.items[0].media.map((m: { label: string }) => m.label)).toEqual(['original']);

    const dec = await mmtok('decode', 'held-out.mmtok', '-o', 'back.wav', '--tokenizer', 'units/');
    expect(dec.code).toBe(1);
    expect(dec.stderr).toMatch(/no decoder.*\(MMTOK_NO_DECODER\)/s);
    expect((await readdir(dir)).filter((f) => f.startsWith('back'))).toEqual([]);
  });

  it('rejects options the model decides, and quantizers with nothing to fit', async () => {
    const hop = await mmtok('train', 'speech/', '-o', 'x/', '--encoder', MODEL, '--hop-length', '160');
    expect(hop.code).toBe(2);
    expect(hop.stderr).toMatch(/--hop-length does not apply with --encoder/);
    const fsq = await mmtok('train', 'speech/', '-o', 'x/', '--encoder', MODEL, '--quantizer', 'fsq');
    expect(fsq.code).toBe(2);
    const noFp16 = await mmtok('train', 'speech/', '-o', 'x/', '--encoder', MODEL, '--dtype', 'fp16');
    expect(noFp16.code).toBe(1);
    expect(noFp16.stderr).toMatch(/no onnx\/model_fp16\.onnx/);
    const dtypeAlone = await mmtok('train', 'speech/', '-o', 'x/', '--dtype', 'fp16');
    expect(dtypeAlone.code).toBe(2);
    const missing = await mmtok('train', 'speech/', '-o', 'x/', '--encoder', join(dir, 'nowhere'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no onnx\/model\.onnx/);
  });
});

describe('mmtok train --encoder hf:… on images (ViT-like patch tokens)', () => {
  let imgDir: string;
  let server: HubServer;
  const run = (...args: string[]) => {
    dir = imgDir;
    return mmtok(...args);
  };
  beforeAll(async () => {
    imgDir = await mkdtemp(join(tmpdir(), 'mmtok-cli-semantic-image-'));
    // The model comes from the test Hub (127.0.0.1) into a private cache.
    const files: Record<string, Uint8Array> = {};
    for (const f of ['config.json', 'preprocessor_config.json', 'onnx/model.onnx'])
      files[f] = await readFile(join(IMAGES, 'vit-like', f));
    server = await startHubServer({ 'test/vit-like': { files } });
    env = { HF_ENDPOINT: server.endpoint, HF_HUB_CACHE: join(imgDir, 'hub-cache') };
    await mkdir(join(imgDir, 'photos'));
    for (const f of ['scene.png', 'square.png']) await copyFile(join(IMAGES, f), join(imgDir, 'photos', f));
    await copyFile(join(here, 'fixtures', 'coins-48x38.png'), join(imgDir, 'coins.png'));
  });
  afterAll(async () => {
    env = {};
    await server?.close();
    if (imgDir) await rm(imgDir, { recursive: true, force: true });
  });

  it('trains, encodes, diagnoses without reconstruction, and refuses to decode', async () => {
    const train = await run(
      'train',
      'photos/',
      '-o',
      'units/',
      '--encoder',
      'hf:test/vit-like',
      '--codebook-size',
      '6',
      '--json',
    );
    expect(train.code, train.stderr).toBe(0);
    const t = JSON.parse(train.stdout);
    expect(t).toMatchObject({ modality: 'image', quantizer: 'vq', images: 2, patches: 32 });
    expect(t.codebook.perLevel[0].used + t.codebook.perLevel[0].dead.count).toBe(6);
    const manifest = JSON.parse(await readFile(join(imgDir, 'units', 'manifest.json'), 'utf8'));
    expect(manifest.encoder.source).toBe(`hf:test/vit-like@${server.commitOf('test/vit-like')}`);

    const enc = await run('encode', 'coins.png', '-o', 'coins.mmtok', '--tokenizer', 'units/', '--json');
    expect(enc.code, enc.stderr).toBe(0);
    const tokens = await readTokenFile(join(imgDir, 'coins.mmtok'));
    // The 48×38 image is resized to the model's 32×32: a 4×4 grid of 8-pixel patches.
    expect(tokens.header.shape).toEqual([4, 4]);
    expect(Array.from(tokens.indices).every((i) => i >= 0 && i < 6)).toBe(true);

    const diag = await run('diagnose', 'coins.png', '--tokenizer', 'units/', '-o', 'report/');
    expect(diag.code, diag.stderr).toBe(0);
    const report = JSON.parse(await readFile(join(imgDir, 'report', 'report.json'), 'utf8'));
    expect(report.codebook.perLevel[0]).toMatchObject({ codebookSize: 6, total: 16 });
    expect(report.metrics?.aggregate ?? {}).toEqual({});

    const dec = await run('decode', 'coins.mmtok', '-o', 'back.png', '--tokenizer', 'units/');
    expect(dec.code).toBe(1);
    expect(dec.stderr).toMatch(/\(MMTOK_NO_DECODER\)/);
    expect((await readdir(imgDir)).filter((f) => f.startsWith('back'))).toEqual([]);
  });
});
