/**
 * `mmtok pack` / `unpack` / `info <prefix>` on token files made by the real default tokenizers
 * (an image fixture, a 1 s tone and a 1 s testsrc2 clip made with ffmpeg): for every preset that
 * takes the modality, pack → unpack gives the token file back byte for byte, and `mmtok decode`
 * of the unpacked file writes the same media as decoding the original. Runs the CLI in-process.
 */
import { execFileSync } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeTokenFile } from '@mmtok/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';

const here = dirname(fileURLToPath(import.meta.url));
let dir: string;

async function mmtok(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: {
      write: (chunk: string) => {
        stdout += chunk;
        return true;
      },
    },
    stderr: {
      write: (chunk: string) => {
        stderr += chunk;
        return true;
      },
    },
  });
  return { code, stdout, stderr };
}

async function ok(...args: string[]) {
  const r = await mmtok(...args, '--json');
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

const at = (...p: string[]) => join(dir, ...p);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mmtok-cli-pack-'));
  const ffmpeg = (...a: string[]) => execFileSync('ffmpeg', ['-v', 'error', '-y', ...a], { cwd: dir });
  ffmpeg('-f', 'lavfi', '-i', 'sine=f=440:d=1', '-ar', '16000', 'tone.wav');
  ffmpeg('-f', 'lavfi', '-i', 'testsrc2=d=1:s=32x24:r=5', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', 'clip.mp4');
  await copyFile(join(here, 'fixtures', 'coins-48x38.png'), at('coins.png'));
  await ok('encode', at('coins.png'), '-o', at('tok', 'image', 'coins.mmtok'));
  await ok('encode', at('tone.wav'), '-o', at('tok', 'audio', 'tone.mmtok'));
  await ok('encode', at('clip.mp4'), '-o', at('tok', 'video', 'clip.mmtok'), '--no-audio');
  await writeFile(at('tok', 'image', 'coins.txt'), 'A cat on the mat.\n');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const PRESETS: Record<string, string[]> = {
  image: ['offset', 'delay', 'parallel', 'emu3-rows', 'chameleon-boi-eoi'],
  audio: ['offset', 'delay', 'parallel'],
  video: ['offset', 'delay', 'parallel', 'emu3-rows'],
};
const NAME: Record<string, string> = { image: 'coins', audio: 'tone', video: 'clip' };

/** A token file packed with a preset: made by whichever test needs it first, so tests pass in any order. */
async function packedWith(modality: string, preset: string): Promise<string> {
  const prefix = at('packed', `${modality}-${preset}`);
  if (!(await stat(`${prefix}.layout.json`).catch(() => undefined)))
    await ok('pack', at('tok', modality, `${NAME[modality]}.mmtok`), '-o', prefix, '--layout', preset);
  return prefix;
}

describe('pack → unpack round trip with the default tokenizers', () => {
  for (const [modality, presets] of Object.entries(PRESETS)) {
    it(`${modality}: ${presets.join(', ')} give the token file back byte for byte`, async () => {
      const original = await readFile(at('tok', modality, `${NAME[modality]}.mmtok`));
      for (const preset of presets) {
        const prefix = at('packed', `${modality}-${preset}`);
        const r = await ok('pack', at('tok', modality, `${NAME[modality]}.mmtok`), '-o', prefix, '--layout', preset);
        expect(r.documents).toBe(1);
        await ok('unpack', prefix, '-o', at('back', `${modality}-${preset}`));
        const back = await readFile(at('back', `${modality}-${preset}`, `${NAME[modality]}.mmtok`));
        expect(back.equals(original), `${modality} ${preset}`).toBe(true);
      }
    });
  }

  it('mmtok decode of the unpacked files writes the same media as of the originals', async () => {
    const outputs: Record<string, string> = { image: 'x.png', audio: 'x.wav', video: 'frames/%03d.png' };
    for (const modality of Object.keys(PRESETS)) {
      const last = PRESETS[modality].at(-1);
      const out = outputs[modality];
      await ok('decode', at('tok', modality, `${NAME[modality]}.mmtok`), '-o', at('dec-a', modality, out));
      // Its own pack and unpack, so this test does not rely on the round-trip test having run.
      await ok('unpack', await packedWith(modality, last!), '-o', at('dec-src', modality));
      await ok('decode', at('dec-src', modality, `${NAME[modality]}.mmtok`), '-o', at('dec-b', modality, out));
      const files = (await readdir(at('dec-a', modality), { recursive: true })).filter((f) => /\.(png|wav)$/.test(f));
      expect(files.length, modality).toBeGreaterThan(0);
      for (const f of files) {
        expect((await readFile(at('dec-b', modality, f))).equals(await readFile(at('dec-a', modality, f))), f).toBe(
          true,
        );
      }
    }
  });
});

describe('multi-scale SNAC tokens (the snac-like pretrained fixture, scales 1 : 2 : 4, 32 codes)', () => {
  const SNAC = join(here, '..', '..', '..', 'packages', 'audio', 'test', 'fixtures', 'hub', 'snac-like');
  beforeAll(async () => {
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'sine=f=330:d=0.5',
      '-ar',
      '24000',
      at('t24.wav'),
    ]);
    await ok('encode', at('t24.wav'), '-o', at('snac', 'in', 's.mmtok'), '--tokenizer', SNAC);
  });

  it('generic presets round trip; decode of the unpacked file equals decode of the original', async () => {
    const original = await readFile(at('snac', 'in', 's.mmtok'));
    for (const preset of ['offset', 'delay', 'parallel']) {
      await ok('pack', at('snac', 'in', 's.mmtok'), '-o', at('snac', preset), '--layout', preset);
      await ok('unpack', at('snac', preset), '-o', at('snac', `${preset}-back`));
      expect((await readFile(at('snac', `${preset}-back`, 's.mmtok'))).equals(original), preset).toBe(true);
    }
    await ok('decode', at('snac', 'in', 's.mmtok'), '-o', at('snac', 'a.wav'), '--tokenizer', SNAC);
    await ok('decode', at('snac', 'delay-back', 's.mmtok'), '-o', at('snac', 'b.wav'), '--tokenizer', SNAC);
    expect((await readFile(at('snac', 'b.wav'))).equals(await readFile(at('snac', 'a.wav')))).toBe(true);

    // orpheus-snac is SNAC 24 kHz's 4096 codes: a 32-code codec is refused, nothing written.
    const r = await mmtok(
      'pack',
      at('snac', 'in', 's.mmtok'),
      '-o',
      at('snac-orpheus', 'x'),
      '--layout',
      'orpheus-snac',
    );
    expect(r.stderr).toMatch(/orpheus-snac places SNAC 24 kHz codes.*\(MMTOK_LAYOUT\)/);
    expect(await readdir(at('snac-orpheus')).catch(() => [])).toEqual([]);
  });

  it("Orpheus' per-frame table in a layout.json: the ids of the first frame by hand", async () => {
    const tokens = decodeTokenFile(new Uint8Array(await readFile(at('snac', 'in', 's.mmtok'))));
    const F = (tokens.header.source.scales as { frames: number }[])[0].frames;
    const c0 = (i: number) => tokens.indices[i];
    const c1 = (i: number) => tokens.indices[F + i];
    const c2 = (i: number) => tokens.indices[3 * F + i];
    // Orpheus' order with 32-code bands from 1000: slot p reads grid level [0, 1, 3, 4, 2, 5, 6][p].
    const layout = {
      format: 'mmtok-layout',
      version: 1,
      preset: 'custom',
      modality: 'audio',
      tokenizer: tokens.header.tokenizer,
      codebookSize: Array(7).fill(32),
      base: 1000,
      order: 'frame-major',
      slots: [0, 1, 3, 4, 2, 5, 6].map((level, p) => ({ level, offset: p * 32 })),
      streams: 'interleaved',
      special: { sos: 990, eos: 991 },
      begin: ['sos'],
      end: ['eos'],
    };
    await writeFile(at('orpheus-32.json'), JSON.stringify(layout));
    await ok('pack', at('snac', 'in', 's.mmtok'), '-o', at('snac', 'table'), '--layout', at('orpheus-32.json'));
    const bin = await readFile(at('snac', 'table.bin'));
    const ids = Array.from({ length: 9 }, (_, i) => bin.readUInt16LE(2 * i));
    expect(ids).toEqual([
      990,
      1000 + c0(0),
      1032 + c1(0),
      1064 + c2(0),
      1096 + c2(1),
      1128 + c1(1),
      1160 + c2(2),
      1192 + c2(3),
      1000 + c0(1),
    ]);
    await ok('unpack', at('snac', 'table'), '-o', at('snac', 'table-back'));
    expect(
      (await readFile(at('snac', 'table-back', 's.mmtok'))).equals(await readFile(at('snac', 'in', 's.mmtok'))),
    ).toBe(true);
  });
});

describe('pack several files, info, and errors', () => {
  it('several token files with a caption: info counts documents, tokens and text', async () => {
    const tokenizer = at('tokenizer.json');
    await copyFile(
      join(here, '..', '..', '..', 'packages', 'sequence', 'test', 'fixtures', 'tokenizer.json'),
      tokenizer,
    );
    const prefix = at('mixed', 'train');
    const folder = at('tok', 'image');
    const r = await ok(
      'pack',
      folder,
      '-o',
      prefix,
      '--layout',
      'offset',
      '--text-tokenizer',
      tokenizer,
      '--to',
      'flat',
    );
    expect(r.format).toBe('flat');
    // "A cat on the mat." → a cat on the mat . in the fixture's word vocabulary: 6 text ids.
    expect(r.textTokens).toBe(6);
    const d = await ok('info', prefix);
    expect(d.textTokens).toBe(6);
    expect(d.layout.text).toEqual({ place: 'before', vocabSize: 11 });
    expect(d.layout.base).toBe(11);
  });

  it('a dataset folder (WebDataset shard: .mmtok, .json, .txt) packs through @mmtok/dataset and unpacks', async () => {
    const src = at('ds-src');
    const coins = await readFile(at('tok', 'image', 'coins.mmtok'));
    execFileSync('mkdir', ['-p', src, at('ds')]);
    await writeFile(join(src, 'a.mmtok'), coins);
    await writeFile(join(src, 'a.json'), '{}');
    await writeFile(join(src, 'a.txt'), 'The cat');
    await writeFile(join(src, 'b.mmtok'), coins);
    await writeFile(join(src, 'b.json'), '{}');
    await writeFile(join(src, 'b.caption'), 'a mat');
    const members = ['a.json', 'a.mmtok', 'a.txt', 'b.caption', 'b.json', 'b.mmtok'];
    execFileSync('tar', ['-cf', at('ds', 'shard-00000.tar'), ...members], { cwd: src });
    await writeFile(at('ds', 'shard-00000.json'), '{}');
    const tokenizer = join(here, '..', '..', '..', 'packages', 'sequence', 'test', 'fixtures', 'tokenizer.json');
    const prefix = at('dspack', 'd');
    const r = await ok('pack', at('ds'), '-o', prefix, '--layout', 'emu3-rows', '--text-tokenizer', tokenizer);
    expect(r.documents).toBe(2);
    // a: its .txt "The cat" → the cat; b: no .txt, its .caption "a mat" → a mat.
    expect(r.textTokens).toBe(4);
    const only = await ok(
      'pack',
      at('ds'),
      '-o',
      at('dspack', 'c'),
      '--layout',
      'emu3-rows',
      '--text-tokenizer',
      tokenizer,
      '--text-field',
      'caption',
    );
    expect(only.textTokens).toBe(2);
    await ok('unpack', prefix, '-o', at('dsback'));
    for (const key of ['a', 'b']) expect((await readFile(at('dsback', `${key}.mmtok`))).equals(coins)).toBe(true);

    // Chameleon's image ids lie inside its text vocabulary: no text placement, refused before writing.
    const bad = await mmtok(
      'pack',
      at('ds'),
      '-o',
      at('dsbad', 'd'),
      '--layout',
      'chameleon-boi-eoi',
      '--text-tokenizer',
      tokenizer,
    );
    expect(bad.stderr).toMatch(/text is not placed \(MMTOK_LAYOUT\)/);
    expect(await readdir(at('dsbad')).catch(() => [])).toEqual([]);
  });

  it('unknown preset: a usage-level error, nothing written', async () => {
    const r = await mmtok('pack', at('tok', 'audio'), '-o', at('bad', 'x'), '--layout', 'musicgen');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unknown layout preset 'musicgen'.*\(MMTOK_LAYOUT\)/);
    expect(await readdir(at('bad')).catch(() => [])).toEqual([]);
  });

  it('a layout.json for another tokenizer: MMTOK_MISMATCH, nothing written', async () => {
    const layout = JSON.parse(await readFile(`${await packedWith('image', 'offset')}.layout.json`, 'utf8'));
    await writeFile(at('image-layout.json'), JSON.stringify(layout));
    const r = await mmtok('pack', at('tok', 'audio'), '-o', at('bad2', 'x'), '--layout', at('image-layout.json'));
    expect(r.stderr).toMatch(/MMTOK_MISMATCH/);
    expect(await readdir(at('bad2')).catch(() => [])).toEqual([]);

    // The same layout moved past 65,536 ids (70,000 + 6 levels × 256) but forced to uint16.
    await writeFile(
      at('uint16-layout.json'),
      JSON.stringify({ ...layout, base: 70_000, dtype: 'uint16', vocabSize: undefined, special: { eod: 69_999 } }),
    );
    const small = await mmtok('pack', at('tok', 'image'), '-o', at('bad3', 'x'), '--layout', at('uint16-layout.json'));
    expect(small.stderr).toMatch(/a vocabulary of 71536 ids does not fit dtype uint16 .*\(MMTOK_LAYOUT\)/);
    expect(await readdir(at('bad3')).catch(() => [])).toEqual([]);
  });

  it('packed prefixes given to pack are merged into one; differing layouts are refused', async () => {
    const r = await ok(
      'pack',
      await packedWith('image', 'offset'),
      at('packed', 'image-offset.idx'),
      '-o',
      at('merged', 'm'),
    );
    expect(r).toMatchObject({ merged: 2, documents: 2, format: 'megatron' });
    const back = await ok('unpack', at('merged', 'm'), '-o', at('merged-back'));
    expect(back.files.map((f: { key: string }) => f.key)).toEqual(['coins', 'coins-2']);
    const bad = await mmtok(
      'pack',
      await packedWith('image', 'offset'),
      await packedWith('image', 'delay'),
      '-o',
      at('merged-bad', 'm'),
    );
    expect(bad.stderr).toMatch(/another layout or format .*\(MMTOK_MISMATCH\)/);
    expect(await readdir(at('merged-bad')).catch(() => [])).toEqual([]);
  });

  it('info <prefix> describes a packed prefix', async () => {
    const d = await ok('info', await packedWith('video', 'emu3-rows'));
    expect(d.kind).toBe('packed');
    expect(d.documents).toBe(1);
    expect(d.modalities.video.documents).toBe(1);
    expect(d.output).toMatchObject({ format: 'megatron', dtype: 'int32' });
    const human = await mmtok('info', at('packed', 'video-emu3-rows'));
    expect(human.stdout).toMatch(/packed megatron int32, layout 'emu3-rows' \(video, default 1\.0\.0\)/);
  });
});
