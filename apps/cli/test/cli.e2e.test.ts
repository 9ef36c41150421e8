/**
 * End-to-end: the real `mmtok` process (TypeScript source through tsx) in a temp directory, on real
 * images. Every failure case checks the exit status, the `mmtok: … (CODE)` line, and that no
 * output file (not even a temp file) was left behind.
 */
import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { encodeTokenFile } from '@mmtok/core';
import { psnr } from '@mmtok/diagnostics';
import { readImage } from '@mmtok/image';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const MAIN = join(here, '..', 'src', 'main.ts');
// Absolute, because `--import tsx` would be resolved from the temp dir the CLI runs in.
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const FIXTURES = join(here, 'fixtures');
const PNG = 'coffee-96x64.png';
const JPG = 'rocket-80x53.jpg';
const GRAY = 'coins-48x38.png';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let dir: string;

/** Runs `mmtok args…` in the temp dir; never throws on a non-zero exit. */
function mmtok(...args: string[]): Promise<Run> {
  return mmtokAs([], args);
}

/** Root writes anywhere: as root (CI), permission cases run the CLI as `nobody`. */
const UNPRIVILEGED =
  process.getuid?.() === 0 ? ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', '--'] : [];

/** `mmtok args…` behind a command prefix such as UNPRIVILEGED. */
function mmtokAs(prefix: string[], args: string[]): Promise<Run> {
  const [command, ...rest] = [...prefix, process.execPath];
  return new Promise((resolve) => {
    execFile(
      command,
      [...rest, '--conditions=source', '--import', TSX, MAIN, ...args],
      { cwd: dir, env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

let sharedTokens: Promise<string> | undefined;
/** A token file of PNG, made once for the tests that only read one (no test uses another's outputs). */
function tokenFile(): Promise<string> {
  sharedTokens ??= mmtok('encode', PNG, '-o', 'shared.mmtok').then((r) => {
    expect(r.code, r.stderr).toBe(0);
    return 'shared.mmtok';
  });
  return sharedTokens;
}

async function exists(path: string): Promise<boolean> {
  return stat(join(dir, path)).then(
    () => true,
    () => false,
  );
}

/** All files under a folder of the temp dir, dot-files (temp files) included. */
async function filesUnder(path: string): Promise<string[]> {
  const entries = await readdir(join(dir, path), { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => e.name);
}

/** PSNR (dB) of a decoded image against its source, both read as RGB. */
async function imagePsnr(source: string, decoded: string): Promise<number> {
  const [a, b] = [await readImage(join(dir, source)), await readImage(join(dir, decoded))];
  expect([b.width, b.height]).toEqual([a.width, a.height]);
  return psnr(a.data, b.data, { dataRange: 255 });
}

function expectError(r: Run, exit: number, code: string, mention?: string): void {
  expect(r.code, r.stderr).toBe(exit);
  expect(r.stderr).toMatch(new RegExp(`^mmtok: .+ \\(${code}\\)$`, 'm'));
  if (mention) expect(r.stderr).toContain(mention);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mmtok-cli-'));
  await mkdir(join(dir, 'photos/nested'), { recursive: true });
  for (const f of [PNG, JPG, GRAY]) await copyFile(join(FIXTURES, f), join(dir, f));
  await copyFile(join(FIXTURES, PNG), join(dir, 'photos', PNG));
  await copyFile(join(FIXTURES, JPG), join(dir, 'photos/nested', JPG));
  await writeFile(join(dir, 'photos/notes.txt'), 'not an image, and skipped by the folder walk\n');
});

afterAll(async () => {
  await chmod(join(dir, 'locked'), 0o755).catch(() => {});
  await rm(dir, { recursive: true, force: true });
});

describe('mmtok basics', () => {
  it('--help lists the commands with examples and exits 0', async () => {
    const r = await mmtok('--help');
    expect(r.code).toBe(0);
    for (const c of ['encode', 'decode', 'train', 'diagnose', 'info', 'tokenizers']) expect(r.stdout).toContain(c);
    expect(r.stdout).toContain('Examples');
    const sub = await mmtok('decode', '--help');
    expect(sub.code).toBe(0);
    expect(sub.stdout).toContain('--format');
  });

  it('usage errors exit 2 with a clear message', async () => {
    expectError(await mmtok('encode', PNG, '-o', 'x.mmtok', '--bogus'), 2, 'MMTOK_USAGE', '--bogus');
    expectError(await mmtok('encode', PNG), 2, 'MMTOK_USAGE', '--output');
    expectError(await mmtok('encode', '-o', 'x.mmtok'), 2, 'MMTOK_USAGE');
    expectError(await mmtok('frobnicate'), 2, 'MMTOK_USAGE', 'frobnicate');
    expect(await exists('x.mmtok')).toBe(false);
  });

  it('tokenizers --json lists the embedded default', async () => {
    const r = await mmtok('tokenizers', '--json');
    expect(r.code, r.stderr).toBe(0);
    const { tokenizers } = JSON.parse(r.stdout);
    expect(tokenizers.map((t: { name: string }) => t.name)).toContain('default');
  });
});

describe('encode → decode', () => {
  it('round-trips one image through a token file at its original size', async () => {
    const enc = await mmtok('encode', PNG, '-o', 'coffee.mmtok', '--json');
    expect(enc.code, enc.stderr).toBe(0);
    const out = JSON.parse(enc.stdout);
    expect(out.files).toHaveLength(1);
    expect(out.files[0]).toMatchObject({ output: 'coffee.mmtok', width: 96, height: 64 });
    expect(out.failures).toEqual([]);
    expect(out.tokenizer.hash).toMatch(/^[0-9a-f]{64}$/);

    const dec = await mmtok('decode', 'coffee.mmtok', '-o', 'back.png');
    expect(dec.code, dec.stderr).toBe(0);
    expect(dec.stdout).toContain('back.png');
    const back = await readImage(join(dir, 'back.png'));
    expect([back.width, back.height]).toEqual([96, 64]);
    // The content, not only the size (measured 27.0 dB).
    expect(await imagePsnr(PNG, 'back.png')).toBeGreaterThan(25);
    // An output file with no image extension is refused before decoding.
    expectError(await mmtok('decode', 'coffee.mmtok', '-o', 'noext'), 2, 'MMTOK_USAGE', 'noext.png');
    expect(await exists('noext')).toBe(false);
  });

  it('encodes a folder into a folder keeping relative paths, then decodes it (JPEG and gray inputs)', async () => {
    const enc = await mmtok('encode', 'photos', GRAY, '-o', 'tokens/', '--json');
    expect(enc.code, enc.stderr).toBe(0);
    const { files } = JSON.parse(enc.stdout);
    expect(files.map((f: { output: string }) => f.output).sort()).toEqual(
      ['tokens/coffee-96x64.mmtok', 'tokens/nested/rocket-80x53.mmtok', 'tokens/coins-48x38.mmtok'].sort(),
    );
    const dec = await mmtok('decode', 'tokens', '-o', 'images', '--format', 'png', '--quiet');
    expect(dec.code, dec.stderr).toBe(0);
    expect(dec.stdout).toBe('');
    const rocket = await readImage(join(dir, 'images/nested/rocket-80x53.png'));
    expect([rocket.width, rocket.height]).toEqual([80, 53]);
    const coins = await readImage(join(dir, 'images/coins-48x38.png'));
    expect([coins.width, coins.height]).toEqual([48, 38]);
    // Measured 33.2 dB (JPEG input) and 31.0 dB (gray input, decoded as RGB).
    expect(await imagePsnr(JPG, 'images/nested/rocket-80x53.png')).toBeGreaterThan(31);
    expect(await imagePsnr(GRAY, 'images/coins-48x38.png')).toBeGreaterThan(29);
  });

  it('expands quoted globs itself', async () => {
    const r = await mmtok('encode', 'photos/**/*.{png,jpg}', '-o', 'globbed/', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).files).toHaveLength(2);
  });

  it('info describes a token file and a tokenizer', async () => {
    const r = await mmtok('info', await tokenFile(), '--json');
    expect(r.code, r.stderr).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(d.kind).toBe('token-file');
    expect(d.header.modality).toBe('image');
    expect(d.header.source).toMatchObject({ width: 96, height: 64 });
    expect(d.tokens).toBe(d.header.shape.reduce((a: number, b: number) => a * b, 1));
    const human = await mmtok('info', 'default');
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/quantizer/);
  });

  it('info describes an image file from its header, and refuses what it cannot read', async () => {
    const r = await mmtok('info', JPG, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      kind: 'image-file',
      image: { format: 'jpeg', width: 80, height: 53 },
    });
    expect((await mmtok('info', GRAY)).stdout).toMatch(/image {6}png 48×38, 3 channels$/m);
    await writeFile(join(dir, 'readme.txt'), 'not media\n');
    expectError(await mmtok('info', 'readme.txt'), 1, 'MMTOK_FILE_FORMAT', 'readme.txt');
  });
});

describe('bad inputs fail clearly and leave no output', () => {
  it('corrupt image', async () => {
    const bytes = await readFile(join(dir, PNG));
    await writeFile(join(dir, 'corrupt.png'), bytes.subarray(0, 200));
    expectError(await mmtok('encode', 'corrupt.png', '-o', 'corrupt.mmtok'), 1, 'MMTOK_IMAGE_DECODE', 'corrupt.png');
    expect(await exists('corrupt.mmtok')).toBe(false);
  });

  it('unsupported format', async () => {
    await writeFile(join(dir, 'drawing.svg'), '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>');
    await writeFile(join(dir, 'notes.png'), 'plain text pretending to be an image\n');
    expectError(await mmtok('encode', 'drawing.svg', '-o', 'drawing.mmtok'), 1, 'MMTOK_IMAGE_FORMAT', 'drawing.svg');
    expectError(await mmtok('encode', 'notes.png', '-o', 'notes.mmtok'), 1, 'MMTOK_IMAGE_FORMAT', 'notes.png');
    expect(await exists('drawing.mmtok')).toBe(false);
    expect(await exists('notes.mmtok')).toBe(false);
  });

  it('truncated token file', async () => {
    const bytes = await readFile(join(dir, await tokenFile()));
    await writeFile(join(dir, 'short.mmtok'), bytes.subarray(0, bytes.length - 10));
    expectError(await mmtok('decode', 'short.mmtok', '-o', 'short.png'), 1, 'MMTOK_TOKEN_FILE', 'truncated');
    expect(await exists('short.png')).toBe(false);
  });

  it('token file made by another tokenizer', async () => {
    const real = JSON.parse((await mmtok('info', await tokenFile(), '--json')).stdout);
    const foreign = encodeTokenFile({
      header: { ...real.header, tokenizer: { name: 'someone-else', version: '2.0.0', hash: 'f'.repeat(64) } },
      indices: new Int32Array(real.tokens),
    });
    await writeFile(join(dir, 'foreign.mmtok'), foreign);
    expectError(
      await mmtok('decode', 'foreign.mmtok', '-o', 'foreign.png'),
      1,
      'MMTOK_TOKENIZER_MISMATCH',
      'someone-else',
    );
    expectError(
      await mmtok('decode', 'foreign.mmtok', '-o', 'foreign.png', '--tokenizer', 'default'),
      1,
      'MMTOK_TOKENIZER_MISMATCH',
      'someone-else',
    );
    expect(await exists('foreign.png')).toBe(false);
  });

  it('unwritable output', async () => {
    await writeFile(join(dir, 'plainfile'), 'x');
    const r = await mmtok('encode', PNG, '-o', 'plainfile/out.mmtok');
    expectError(r, 1, 'MMTOK_IO', 'plainfile');
    const many = await mmtok('decode', await tokenFile(), '-o', 'plainfile/sub/');
    expectError(many, 1, 'MMTOK_IO', 'plainfile');
  });

  it('read-only output folder (as an unprivileged user)', async () => {
    await mkdir(join(dir, 'locked'));
    await chmod(join(dir, 'locked'), 0o555);
    // mkdtemp's 0700 would keep `nobody` out of the inputs too.
    await chmod(dir, 0o755);
    const probe = await mmtokAs(UNPRIVILEGED, ['--version']);
    expect(probe.code, `the unprivileged user cannot run mmtok from this checkout: ${probe.stderr}`).toBe(0);
    const r = await mmtokAs(UNPRIVILEGED, ['encode', PNG, '-o', 'locked/x.mmtok']);
    expectError(r, 1, 'MMTOK_IO', 'locked');
    expect(await filesUnder('locked')).toEqual([]);
  });

  it('some of many inputs failing: exit 3, the others written, nothing for the bad ones', async () => {
    await mkdir(join(dir, 'mixed'));
    await copyFile(join(dir, PNG), join(dir, 'mixed/good.png'));
    await writeFile(join(dir, 'mixed/bad.png'), 'not a png');
    const r = await mmtok('encode', 'mixed', '-o', 'mixed-out/', '--json');
    expect(r.code, r.stderr).toBe(3);
    const out = JSON.parse(r.stdout);
    expect(out.files).toHaveLength(1);
    expect(out.failures).toEqual([expect.objectContaining({ input: 'mixed/bad.png', code: 'MMTOK_IMAGE_FORMAT' })]);
    expect(r.stderr).toMatch(/^mmtok: mixed\/bad\.png: .+ \(MMTOK_IMAGE_FORMAT\)$/m);
    expect(await filesUnder('mixed-out')).toEqual(['good.mmtok']);
  });
});

describe('train and diagnose', () => {
  it('trains a tokenizer, encodes with its manifest, and refuses to decode its tokens with the default', async () => {
    const t = await mmtok(
      'train',
      'photos',
      GRAY,
      '-o',
      'my-tok',
      '--quantizer',
      'fsq',
      '--levels',
      '5,5,5',
      '--seed',
      '3',
      '--json',
    );
    expect(t.code, t.stderr).toBe(0);
    const { manifestPath } = JSON.parse(t.stdout);
    expect(manifestPath).toBe(join('my-tok', 'manifest.json'));
    expect(await exists('my-tok/manifest.json')).toBe(true);

    const enc = await mmtok('encode', JPG, '-o', 'mine.mmtok', '--tokenizer', 'my-tok/manifest.json');
    expect(enc.code, enc.stderr).toBe(0);
    expectError(
      await mmtok('decode', 'mine.mmtok', '-o', 'mine.png', '--tokenizer', 'default'),
      1,
      'MMTOK_TOKENIZER_MISMATCH',
    );
    expect(await exists('mine.png')).toBe(false);
    const dec = await mmtok('decode', 'mine.mmtok', '-o', 'mine.png', '--tokenizer', 'my-tok');
    expect(dec.code, dec.stderr).toBe(0);
    expect((await readImage(join(dir, 'mine.png'))).width).toBe(80);
  });

  it('rejects option combinations that make no sense for the quantizer', async () => {
    expectError(
      await mmtok('train', 'photos', '-o', 'x-tok', '--quantizer', 'fsq', '--codebook-size', '64'),
      2,
      'MMTOK_USAGE',
    );
    expectError(await mmtok('train', 'photos', '-o', 'x-tok', '--patch-size', 'big'), 2, 'MMTOK_USAGE', '--patch-size');
    expect(await exists('x-tok')).toBe(false);
  });

  it('diagnose writes report.json (diagnostics schema) and report.html', async () => {
    const r = await mmtok('diagnose', 'photos', '-o', 'report', '--json');
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.files).toHaveLength(2);
    expect(summary.aggregate.psnr.mean).toBeGreaterThan(15);
    const report = JSON.parse(await readFile(join(dir, 'report/report.json'), 'utf8'));
    expect(report.schemaVersion).toBe(1);
    expect(report.metrics.items).toHaveLength(2);
    expect(report.codebook.perLevel.length).toBeGreaterThan(0);
    expect(await readFile(join(dir, 'report/report.html'), 'utf8')).toMatch(/<html/i);
    // Each item lists its original and the reconstruction written beside the report.
    for (const item of report.metrics.items) {
      const [original, reconstruction] = item.media;
      expect(original.label).toBe('original');
      expect(resolve(dir, 'report', original.src)).toBe(resolve(dir, item.id));
      const rec = await readImage(join(dir, 'report', reconstruction.src));
      const src = await readImage(resolve(dir, item.id));
      expect([rec.width, rec.height]).toEqual([src.width, src.height]);
    }
  });
});
