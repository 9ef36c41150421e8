/**
 * Hostile inputs and interrupted runs, through the real `mmtok` process: a forged video token
 * header, a PNG bomb, an output that is the input, Ctrl-C during a video decode, a truncated MP3.
 * Each case checks the exit status and error code, and that nothing is left behind.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { decodeTokenFile, encodeTokenFile } from '@mmtok/core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const MAIN = join(here, '..', 'src', 'main.ts');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const NODE = [process.execPath, '--conditions=source', '--import', TSX, MAIN];
// GNU time reports the peak RSS of the process it runs; only printed, never asserted on.
const TIME = existsSync('/usr/bin/time') ? ['/usr/bin/time', '-f', 'maxrss_kb=%M'] : [];

let dir: string;

function mmtok(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const [bin, ...rest] = [...TIME, ...NODE, ...args];
  return new Promise((resolve) => {
    execFile(
      bin,
      rest,
      { cwd: dir, env: { ...process.env, NO_COLOR: '1' }, timeout: 120_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

function ffmpeg(...args: string[]): void {
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...args], { cwd: dir });
}

/** Temp files and folders mmtok writes beside an output (`.name.<hex>.tmp`). */
async function temps(folder: string): Promise<string[]> {
  return (await readdir(folder, { recursive: true })).filter((f) => /\.tmp$|\.tmp\//.test(f) || f.includes('.tmp-'));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mmtok-harden-'));
  ffmpeg('-f', 'lavfi', '-i', 'testsrc2=d=1:s=64x48:r=10', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', 'small.mp4');
  ffmpeg('-f', 'lavfi', '-i', 'sine=f=440:d=3', '-c:a', 'libmp3lame', 'tone.mp3');
  const mp3 = await readFile(join(dir, 'tone.mp3'));
  await writeFile(join(dir, 'cut.mp3'), mp3.subarray(0, Math.floor(mp3.length * 0.3)));
  await sharp({ create: { width: 12000, height: 12000, channels: 3, background: '#808080' } })
    .png()
    .toFile(join(dir, 'bomb.png'));
  await sharp({ create: { width: 32, height: 24, channels: 3, background: '#336699' } })
    .png()
    .toFile(join(dir, 'tiny.png'));
  await sharp({ create: { width: 1, height: 1, channels: 3, background: '#336699' } })
    .png()
    .toFile(join(dir, 'one.png'));
  await sharp({ create: { width: 64, height: 64, channels: 3, background: '#336699' } })
    .png()
    .toFile(join(dir, 'flat.png'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('forged video token header', () => {
  it('a 10000×10000 source on a small token grid is refused before any frame is allocated', async () => {
    expect((await mmtok('encode', 'small.mp4', '-o', 'small.mmtok', '--no-audio')).code).toBe(0);
    const file = decodeTokenFile(await readFile(join(dir, 'small.mmtok')));
    const header = { ...file.header, source: { ...file.header.source, width: 10000, height: 10000 } };
    await writeFile(join(dir, 'forged.mmtok'), encodeTokenFile({ header, indices: file.indices }));
    const started = performance.now();
    const r = await mmtok('decode', 'forged.mmtok', '-o', 'forged.mp4');
    console.log(
      `forged 10000² video header: ${Math.round(performance.now() - started)} ms (process start included), ${r.stderr.match(/maxrss_kb=\d+/)?.[0] ?? 'rss not measured'}`,
    );
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('MMTOK_SHAPE');
    expect(r.stderr).toContain('10000×10000');
    expect(existsSync(join(dir, 'forged.mp4'))).toBe(false);
  });
});

describe('image size limits', () => {
  it('refuses a 12000² PNG bomb under the default pixel limit, reading only its header', async () => {
    const r = await mmtok('encode', 'bomb.png', '-o', 'bomb.mmtok');
    console.log(
      `12000² PNG bomb (${(await readFile(join(dir, 'bomb.png'))).length} bytes): ${r.stderr.match(/maxrss_kb=\d+/)?.[0]}`,
    );
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('MMTOK_IMAGE_TOO_LARGE');
    expect(r.stderr).toContain('--max-pixels');
    expect(existsSync(join(dir, 'bomb.mmtok'))).toBe(false);
  });

  it('--max-pixels sets the limit both ways', async () => {
    expect((await mmtok('encode', 'tiny.png', '-o', 'a.mmtok', '--max-pixels', '767')).stderr).toContain(
      'MMTOK_IMAGE_TOO_LARGE',
    );
    expect((await mmtok('encode', 'tiny.png', '-o', 'b.mmtok', '--max-pixels', '768')).code).toBe(0);
    expect((await mmtok('encode', 'tiny.png', '-o', 'c.mmtok', '--max-pixels', '0')).code).toBe(2);
  });
});

describe('encode outputs', () => {
  it('refuses to write over its own input', async () => {
    const before = await readFile(join(dir, 'tiny.png'));
    const r = await mmtok('encode', 'tiny.png', '-o', 'tiny.png');
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('MMTOK_OUTPUT_CONFLICT');
    expect(await readFile(join(dir, 'tiny.png'))).toEqual(before);
  });

  it('warns on a non-.mmtok output, and replaces a non-token file only with --force', async () => {
    const warned = await mmtok('encode', 'tiny.png', '-o', 'tokens.bin');
    expect(warned.code).toBe(0);
    expect(warned.stderr).toContain('mmtok: warning: tokens.bin does not end in .mmtok');
    await writeFile(join(dir, 'notes.txt'), 'keep me');
    const refused = await mmtok('encode', 'tiny.png', '-o', 'notes.txt');
    expect(refused.code).toBe(2);
    expect(await readFile(join(dir, 'notes.txt'), 'utf8')).toBe('keep me');
    expect((await mmtok('encode', 'tiny.png', '-o', 'notes.txt', '--force')).code).toBe(0);
    expect(decodeTokenFile(await readFile(join(dir, 'notes.txt'))).header.modality).toBe('image');
    // An earlier token file is replaced without --force.
    expect((await mmtok('encode', 'tiny.png', '-o', 'tokens.bin')).code).toBe(0);
  });
});

describe('collapse verdict in diagnose', () => {
  it('a 1×1 image is insufficient data; a flat image prints each alarm on its own line', async () => {
    const one = await mmtok('diagnose', 'one.png', '-o', 'diag-one');
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toContain('codebook: insufficient-data');
    expect(one.stdout).not.toContain('collapsed');
    // 64×64 of one colour: 256 indices per level, all on one code.
    const flat = await mmtok('diagnose', 'flat.png', '-o', 'diag-flat');
    expect(flat.stdout).toContain('codebook: collapsed');
    expect(flat.stdout).toMatch(/^ {4}critical STUCK_LEVEL: level 0 puts 100\.0% of its indices on one code/m);
  });
});

describe('audio shorter than its header says', () => {
  it('a truncated MP3 is MMTOK_AUDIO_DECODE; the whole one encodes', async () => {
    const cut = await mmtok('encode', 'cut.mp3', '-o', 'cut.mmtok');
    expect(cut.code, cut.stderr).toBe(1);
    expect(cut.stderr).toContain('MMTOK_AUDIO_DECODE');
    expect(cut.stderr).toMatch(/only \d\.\d\d s of the 3\.\d\d s/);
    expect(existsSync(join(dir, 'cut.mmtok'))).toBe(false);
    const whole = await mmtok('encode', 'tone.mp3', '-o', 'tone.mmtok');
    expect(whole.code, whole.stderr).toBe(0);
  });
});

/** Processes whose parent is `pid`, with their command names (from /proc). */
async function childrenOf(pid: number): Promise<{ pid: number; comm: string }[]> {
  const out: { pid: number; comm: string }[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid …; comm may hold spaces and parentheses, so split after the last ')'.
      const close = stat.lastIndexOf(')');
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      if (ppid === pid) out.push({ pid: Number(name), comm: stat.slice(stat.indexOf('(') + 1, close) });
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    const stat = execFileSync('cat', [`/proc/${pid}/stat`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return !/\) Z /.test(stat);
  } catch {
    return false;
  }
}

describe('Ctrl-C during a video decode', () => {
  it('stops ffmpeg and removes the temp frames folder (.frames.*.tmp/)', async () => {
    // Large enough that ffmpeg is still writing PNG frames when the signal comes.
    ffmpeg('-f', 'lavfi', '-i', 'testsrc2=d=6:s=480x272:r=25', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', 'long.mp4');
    expect((await mmtok('encode', 'long.mp4', '-o', 'long.mmtok', '--no-audio')).code).toBe(0);
    const out = await mkdtemp(join(dir, 'out-'));
    const child = spawn(
      NODE[0],
      [...NODE.slice(1), 'decode', join(dir, 'long.mmtok'), '-o', join(out, 'frames', '%05d.png')],
      {
        cwd: dir,
        stdio: 'ignore',
      },
    );
    const exited = once(child, 'close') as Promise<[number | null, string | null]>;
    let ffmpegPid: number | undefined;
    for (let i = 0; i < 3000 && ffmpegPid === undefined && child.exitCode === null; i++) {
      ffmpegPid = (await childrenOf(child.pid!)).find((c) => c.comm === 'ffmpeg')?.pid;
      if (ffmpegPid === undefined) await new Promise((ok) => setTimeout(ok, 10));
    }
    expect(ffmpegPid, 'ffmpeg never started').toBeDefined();
    // Once it has written something, so there is a temp folder to clean.
    for (let i = 0; i < 500 && (await temps(out)).length === 0; i++) await new Promise((ok) => setTimeout(ok, 10));
    expect((await temps(out)).length).toBeGreaterThan(0);
    child.kill('SIGINT');
    const [code, signal] = await exited;
    // Ended by the signal (or, had the failed write won the race, by its error): never "success".
    expect(signal === 'SIGINT' || (code !== null && code !== 0), `exit ${code} ${signal}`).toBe(true);
    await new Promise((ok) => setTimeout(ok, 200));
    expect(alive(ffmpegPid!), 'ffmpeg outlived mmtok').toBe(false);
    expect(await temps(out)).toEqual([]);
    // No frame was published either (the empty frames/ folder made for the output may stay).
    const files = (await readdir(out, { recursive: true, withFileTypes: true })).filter((e) => !e.isDirectory());
    expect(files.map((e) => e.name)).toEqual([]);
  });
});
