/**
 * Every exit status and error code documented in docs/cli.md, checked against the mapping and
 * against `runCli` itself (in-process, real files in a temp dir).
 */
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MmtokError } from '@mmtok/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import { EXIT, exitCodeForBatch, exitCodeForError } from '../src/exit-codes.js';
import { documentedCodes, documentedExits } from './cli-doc-tables.js';

const here = dirname(fileURLToPath(import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mmtok-exit-'));
  await mkdir(join(dir, 'in/sub'), { recursive: true });
  await copyFile(join(here, 'fixtures', 'coins-48x38.png'), join(dir, 'in/a.png'));
  await copyFile(join(here, 'fixtures', 'coins-48x38.png'), join(dir, 'in/sub/a.png'));
  await mkdir(join(dir, 'mixed'));
  await copyFile(join(here, 'fixtures', 'coins-48x38.png'), join(dir, 'mixed/good.png'));
  await writeFile(join(dir, 'mixed/bad.png'), 'not a png');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** runCli with captured stderr; `@name` stands for that path in the temp dir. */
async function run(...argv: string[]): Promise<{ exit: number; stderr: string }> {
  let stderr = '';
  const args = argv.map((a) => (a.startsWith('@') ? `${join(dir, a.slice(1))}${a.endsWith('/') ? '/' : ''}` : a));
  const exit = await runCli(args, {
    stdout: { write: () => true },
    stderr: {
      write: (s: string) => {
        stderr += s;
        return true;
      },
    },
  });
  return { exit, stderr };
}

describe('documented exit statuses', () => {
  it('the docs list exit statuses 0–3 and the error codes', () => {
    expect(documentedExits).toEqual([0, 1, 2, 3]);
    expect(Object.values(EXIT).sort()).toEqual([0, 1, 2, 3]);
    expect(documentedCodes.length).toBeGreaterThanOrEqual(10);
    expect(documentedCodes.filter((c) => c.exit === 2).map((c) => c.code)).toEqual([
      'MMTOK_USAGE',
      'MMTOK_OUTPUT_CONFLICT',
    ]);
  });

  it('each documented error code maps to its documented exit status', () => {
    for (const { code, exit } of documentedCodes) {
      expect({ code, exit: exitCodeForError(new MmtokError(code as never, 'x')) }).toEqual({ code, exit });
    }
    // A system error is an I/O failure, anything else a bug: both exit 1.
    expect(exitCodeForError(Object.assign(new Error('denied'), { code: 'EACCES' }))).toBe(1);
    expect(exitCodeForError('strange')).toBe(1);
  });

  it('a batch exits 0 when all succeed, 1 when all fail, 3 when some fail', () => {
    expect([exitCodeForBatch(4, 0), exitCodeForBatch(0, 2), exitCodeForBatch(3, 1), exitCodeForBatch(0, 0)]).toEqual([
      0, 1, 3, 0,
    ]);
  });

  it('0: --version', async () => {
    expect((await run('--version')).exit).toBe(0);
  });

  it('1: a missing input (MMTOK_NOT_FOUND)', async () => {
    const r = await run('encode', '@nope.png', '-o', '@nope.mmtok');
    expect(r).toMatchObject({ exit: 1 });
    expect(r.stderr).toMatch(/\(MMTOK_NOT_FOUND\)$/m);
  });

  it('2: an unknown option (MMTOK_USAGE)', async () => {
    const r = await run('encode', '@in/a.png', '-o', '@x.mmtok', '--bogus');
    expect(r).toMatchObject({ exit: 2 });
    expect(r.stderr).toMatch(/\(MMTOK_USAGE\)$/m);
  });

  it('2: two inputs writing one output (MMTOK_OUTPUT_CONFLICT), nothing written', async () => {
    const r = await run('encode', '@in/a.png', '@in/sub/a.png', '-o', '@out/');
    expect(r).toMatchObject({ exit: 2 });
    expect(r.stderr).toMatch(/\(MMTOK_OUTPUT_CONFLICT\)$/m);
    expect(await readdir(join(dir, 'out')).catch(() => [])).toEqual([]);
  });

  it('3: some of several inputs failing', async () => {
    const r = await run('encode', '@mixed', '-o', '@mixed-out/');
    expect(r).toMatchObject({ exit: 3 });
    expect(await readdir(join(dir, 'mixed-out'))).toEqual(['good.mmtok']);
  });
});
