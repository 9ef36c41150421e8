/** In-process tests of the pieces under the CLI: input expansion, output planning, option parsing, exit codes. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeTokenFile, encodeTokenFile, isMmtokError, MmtokError } from '@mmtok/core';
import { tokenFileInput } from '@mmtok/video';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import { EXIT, exitCodeForBatch, exitCodeForError } from '../src/exit-codes.js';
import { IMAGE_EXTENSIONS } from '../src/formats.js';
import { decodeFiles, encodeFiles } from '../src/index.js';
import { expandInputs } from '../src/inputs.js';
import { readOptions } from '../src/options.js';
import { planOutputs } from '../src/outputs.js';
import { ProgressBar } from '../src/progress.js';
import { tokenFileToSet } from '../src/token-sets.js';

const here = dirname(fileURLToPath(import.meta.url));
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mmtok-api-'));
  await mkdir(join(dir, 'in/sub'), { recursive: true });
  for (const f of ['in/a.png', 'in/sub/b.JPG', 'in/sub/a.png', 'in/readme.txt', 'in/.hidden.png'])
    await writeFile(join(dir, f), 'x');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (isMmtokError(e)) return e.code;
    throw e;
  }
  throw new Error('expected a rejection');
}

/** A stream stand-in that keeps what is written to it. */
function sink(isTTY: boolean) {
  const s = {
    text: '',
    isTTY,
    columns: 80,
    write(chunk: string): boolean {
      s.text += chunk;
      return true;
    },
  };
  return s;
}

describe('expandInputs', () => {
  const opts = { extensions: IMAGE_EXTENSIONS, what: 'images' };

  it('walks folders recursively, keeping supported images and skipping dot-files', async () => {
    const files = await expandInputs([join(dir, 'in')], opts);
    expect(files.map((f) => f.relative)).toEqual(['a.png', join('sub', 'a.png'), join('sub', 'b.JPG')]);
    expect(files.every((f) => f.expanded)).toBe(true);
  });

  it('matches globs with ** and {a,b}, and de-duplicates', async () => {
    const files = await expandInputs([`${dir}/in/**/*.{png,JPG}`, join(dir, 'in/a.png')], opts);
    expect(files).toHaveLength(3);
  });

  it('expands zero-padded numeric ranges and globs relative to their base, skipping dot-folders', async () => {
    await mkdir(join(dir, 'shards/.cache'), { recursive: true });
    for (const f of ['shard-008.png', 'shard-009.png', 'shard-010.png', 'shard-011.png', '.cache/shard-009.png'])
      await writeFile(join(dir, 'shards', f), 'x');
    const ranged = await expandInputs([`${dir}/shards/shard-{009..012}.png`], opts);
    expect(ranged.map((f) => f.relative)).toEqual(['shard-009.png', 'shard-010.png', 'shard-011.png']);
    const globbed = await expandInputs([`${dir}/shards/**/shard-0[01]?.png`], opts);
    expect(globbed.map((f) => f.relative)).toEqual([
      'shard-008.png',
      'shard-009.png',
      'shard-010.png',
      'shard-011.png',
    ]);
    expect(globbed[0].path).toBe(join(dir, 'shards/shard-008.png'));
  });

  it('keeps an explicitly named file whatever its extension, so the reader can say what is wrong', async () => {
    const [f] = await expandInputs([join(dir, 'in/readme.txt')], opts);
    expect(f).toMatchObject({ relative: 'readme.txt', expanded: false });
  });

  it('fails with MMTOK_NOT_FOUND for a missing path or an empty match', async () => {
    expect(await codeOf(expandInputs([join(dir, 'nope.png')], opts))).toBe('MMTOK_NOT_FOUND');
    expect(await codeOf(expandInputs([`${dir}/in/*.gif`], opts))).toBe('MMTOK_NOT_FOUND');
  });
});

describe('planOutputs', () => {
  it('one named input and a file path → that file; a folder input → a folder', async () => {
    const [one] = await expandInputs([join(dir, 'in/a.png')], { extensions: IMAGE_EXTENSIONS, what: 'images' });
    expect((await planOutputs([one], join(dir, 'o.mmtok'), '.mmtok'))[0].output).toBe(join(dir, 'o.mmtok'));
    expect((await planOutputs([one], `${join(dir, 'out')}/`, '.mmtok'))[0].output).toBe(join(dir, 'out', 'a.mmtok'));
  });

  it('refuses two inputs that would write the same output', async () => {
    const files = await expandInputs([join(dir, 'in/a.png'), join(dir, 'in/sub/a.png')], {
      extensions: IMAGE_EXTENSIONS,
      what: 'images',
    });
    expect(await codeOf(planOutputs(files, join(dir, 'out'), '.mmtok'))).toBe('MMTOK_OUTPUT_CONFLICT');
  });

  it('refuses an output under a file', async () => {
    const files = await expandInputs([join(dir, 'in')], { extensions: IMAGE_EXTENSIONS, what: 'images' });
    expect(await codeOf(planOutputs(files, join(dir, 'in/a.png/x'), '.mmtok'))).toBe('MMTOK_IO');
  });
});

describe('options', () => {
  it('turns cac values into typed values', () => {
    // cac converts numeric-looking values to numbers; strings must stay strings.
    expect(
      readOptions({ output: 123, patchSize: 8, levels: '8,5,5', quantizer: 'fsq' }, [
        'output',
        'patchSize',
        'levels',
        'quantizer',
      ]),
    ).toEqual({
      output: '123',
      patchSize: 8,
      levels: [8, 5, 5],
      quantizer: 'fsq',
    });
    expect(readOptions({ levels: 4 }, ['levels'])).toEqual({ levels: [4] });
  });

  it('rejects bad values as usage errors naming the flag', () => {
    const bad: [Record<string, unknown>, 'patchSize' | 'quantizer' | 'output' | 'levels'][] = [
      [{ patchSize: 'big' }, 'patchSize'],
      [{ patchSize: 0 }, 'patchSize'],
      [{ quantizer: 'pq' }, 'quantizer'],
      [{ output: ['a', 'b'] }, 'output'],
      [{ levels: '8,x' }, 'levels'],
    ];
    for (const [raw, key] of bad) {
      expect(() => readOptions(raw, [key])).toThrow(MmtokError);
      try {
        readOptions(raw, [key]);
      } catch (e) {
        expect((e as MmtokError).code).toBe('MMTOK_USAGE');
      }
    }
  });
});

describe('exit codes', () => {
  it('maps errors and batch outcomes in one place', () => {
    expect(exitCodeForError(new MmtokError('MMTOK_USAGE', 'x'))).toBe(EXIT.usage);
    expect(exitCodeForError(new MmtokError('MMTOK_IMAGE_DECODE', 'x'))).toBe(EXIT.error);
    expect(exitCodeForError(new Error('boom'))).toBe(EXIT.error);
    expect(exitCodeForBatch(3, 0)).toBe(EXIT.ok);
    expect(exitCodeForBatch(2, 1)).toBe(EXIT.partial);
    expect(exitCodeForBatch(0, 2)).toBe(EXIT.error);
  });

  it('runCli reports usage errors on stderr and, with --json, as JSON on stdout', async () => {
    const stdout = sink(false);
    const stderr = sink(false);
    expect(await runCli(['decode', 'x.mmtok', '-o', 'x.png', '--format', 'bmp', '--json'], { stdout, stderr })).toBe(
      EXIT.usage,
    );
    expect(stderr.text).toMatch(/^mmtok: --format must be one of .+ \(MMTOK_USAGE\)$/m);
    expect(JSON.parse(stdout.text)).toEqual({
      error: { code: 'MMTOK_USAGE', message: expect.stringContaining('--format') },
    });
  });
});

describe('progress bar', () => {
  it('draws only on a TTY', () => {
    const tty = sink(true);
    const bar = new ProgressBar(tty, true);
    bar.update({ phase: 'encode', done: 1, total: 1, item: 'a.png' });
    expect(tty.text).toContain('1/1');
    bar.stop();
    const piped = sink(false);
    new ProgressBar(piped, true).update({ phase: 'encode', done: 1, total: 1 });
    expect(piped.text).toBe('');
  });
});

describe('token sets ↔ token files', () => {
  it('carry nested source geometry through a real token file', () => {
    const set = {
      modality: 'image' as const,
      indices: Int32Array.of(1, 2, 3, 4),
      shape: [1, 2, 2],
      tokenizer: { name: 't', version: '1', hash: 'h' },
      source: { width: 9, height: 7, content: { left: 0, top: 1, width: 9, height: 5 }, resize: 'pad' },
    };
    const back = tokenFileToSet(
      decodeTokenFile(encodeTokenFile(tokenFileInput({ modality: 'image', tokens: set, codebookSize: 8 }, 'test'))),
      'x',
    );
    expect(back.source).toEqual(set.source);
    expect(Array.from(back.indices)).toEqual([1, 2, 3, 4]);
  });
});

describe('programmatic API', () => {
  it('encodeFiles and decodeFiles return typed results', async () => {
    const out = join(dir, 'api-out');
    const enc = await encodeFiles({ inputs: [join(here, 'fixtures/coins-48x38.png')], output: `${out}/` });
    expect(enc.failures).toEqual([]);
    expect(enc.files[0]).toMatchObject({ output: join(out, 'coins-48x38.mmtok'), width: 48, height: 38 });
    const dec = await decodeFiles({ inputs: [out], output: join(dir, 'api-back'), format: 'png' });
    expect(dec.files[0]).toMatchObject({ width: 48, height: 38, output: join(dir, 'api-back', 'coins-48x38.png') });
  });
});
