/**
 * A successful command says nothing on stderr, run inside the repository where the `webgpu` package
 * (Dawn) is installed: the automatic backend choice must not start Dawn where it could find only a
 * software adapter, since Dawn prints adapter warnings while it looks. A named `--backend webgpu`
 * still starts it (lavapipe here and in CI), and whatever Dawn prints then comes before the progress
 * bar, not inside it.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { noHardwareGpu } from '@mmtok/core/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const MAIN = join(here, '..', 'src', 'main.ts');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const NODE_ARGS = ['--conditions=source', '--import', TSX, MAIN];
const JPG = 'rocket-80x53.jpg';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mmtok-quiet-'));
  await copyFile(join(here, 'fixtures', JPG), join(dir, JPG));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function run(command: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd: dir, env: { ...process.env, NO_COLOR: '1' }, timeout: 120_000 },
      (e, stdout, stderr) => resolve({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, stdout, stderr }),
    );
  });
}

const mmtok = (...args: string[]) => run(process.execPath, [...NODE_ARGS, ...args]);

// Where a GPU device node exists WebGPU could be chosen, so Dawn is rightly started and may print.
const softwareOnly = (await noHardwareGpu()) !== undefined;

describe.runIf(softwareOnly)('successful commands print nothing on stderr', () => {
  // The token file the reading commands read, made apart from the encode under test.
  beforeAll(async () => {
    const r = await mmtok('encode', JPG, '-o', 'photo.mmtok');
    expect(r.code, r.stderr).toBe(0);
  });

  for (const args of [
    ['encode', JPG, '-o', 'encoded.mmtok'],
    ['decode', 'photo.mmtok', '-o', 'back.png'],
    ['info', 'photo.mmtok'],
    ['info', JPG],
    ['info', 'default'],
    ['tokenizers'],
    ['pack', 'photo.mmtok', '-o', 'packed/train', '--layout', 'offset'],
    ['--help'],
  ])
    it(`mmtok ${args.join(' ')}`, async () => {
      const r = await mmtok(...args);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
    });
});

describe('a named webgpu backend', () => {
  it('still runs (on lavapipe where there is no GPU)', async () => {
    const r = await mmtok('encode', JPG, '-o', 'gpu.mmtok', '--backend', 'webgpu');
    expect(r.code, r.stderr).toBe(0);
    expect((await stat(join(dir, 'gpu.mmtok'))).size).toBeGreaterThan(0);
  });

  // `script` gives the command a terminal, so the progress bar draws.
  it.runIf(existsSync('/usr/bin/script'))(
    'starts before the progress bar draws, so Dawn output cannot land inside it',
    async () => {
      const enc = await mmtok('encode', JPG, '-o', 'tty.mmtok');
      expect(enc.code, enc.stderr).toBe(0);
      const quoted = [process.execPath, ...NODE_ARGS, 'decode', 'tty.mmtok', '-o', 'tty.png', '--backend', 'webgpu']
        .map((a) => `'${a.replace(/'/g, `'\\''`)}'`)
        .join(' ');
      const r = await run('/usr/bin/script', ['-qec', quoted, '/dev/null']);
      expect(r.code, r.stdout).toBe(0);
      const firstBar = r.stdout.indexOf('\r\x1b[2Kdecode');
      expect(firstBar, 'the bar was drawn').toBeGreaterThanOrEqual(0);
      // Dawn on lavapipe warns while it starts: that warning must be there, before the first bar draw
      // (else this test would pass with Dawn saying nothing).
      if (softwareOnly) expect(r.stdout.slice(0, firstBar)).toMatch(/Warning:/);
      expect(r.stdout.slice(firstBar)).not.toMatch(/Warning:/);
    },
  );
});
