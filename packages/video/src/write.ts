import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { ffmpegReason, resolveFfmpeg } from '@mmtok/audio';
import { MmtokError } from '@mmtok/core';
import { killOnInterrupt, removeOnInterrupt } from '@mmtok/core/node';
import type { FrameGroup } from './types.js';

export interface WriteVideoOptions {
  fps: number;
  /** Path of an audio file to mux in (mp4: AAC, webm: Opus); the output ends with the shorter stream. */
  audio?: string;
}

type Target =
  | { kind: 'mp4' | 'webm'; path: string }
  /** PNG frames into `dir`, named by `pattern` (a printf-style %0Nd name). */
  | { kind: 'png'; dir: string; pattern: string };

export const VIDEO_EXTENSIONS: readonly string[] = ['.mp4', '.webm', '.mkv', '.mov', '.avi', '.gif', '.m4v'];

async function targetOf(path: string): Promise<Target> {
  const ext = extname(path).toLowerCase();
  if (ext === '.png' && /%0?\d*d/.test(basename(path)))
    return { kind: 'png', dir: dirname(path), pattern: basename(path) };
  if (ext === '.mp4' || ext === '.m4v') return { kind: 'mp4', path };
  if (ext === '.webm') return { kind: 'webm', path };
  let isDir = false;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch {
    isDir = ext === '';
  }
  if (isDir) return { kind: 'png', dir: path, pattern: '%05d.png' };
  throw new MmtokError(
    'MMTOK_VIDEO_FORMAT',
    `cannot write '${ext || basename(path)}' video; use .mp4 (H.264), .webm (VP9), a directory or a %05d.png pattern (PNG frames)`,
    { path },
  );
}

function tempName(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Repeats the last column/row so H.264's 4:2:0 gets even sides (cropped back on read via a tag). */
function padEven(frame: Uint8Array, w: number, h: number, W: number, H: number): Uint8Array {
  if (W === w && H === h) return frame;
  const out = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    const sy = Math.min(y, h - 1);
    out.set(frame.subarray(sy * w * 3, (sy + 1) * w * 3), y * W * 3);
    for (let x = w; x < W; x++) out.set(frame.subarray((sy * w + w - 1) * 3, (sy * w + w) * 3), (y * W + x) * 3);
  }
  return out;
}

function encoderArgs(t: Target, w: number, h: number, hasAudio: boolean): string[] {
  if (t.kind === 'mp4') {
    return [
      '-c:v',
      'libx264',
      '-pix_fmt',
      'yuv420p',
      '-crf',
      '18',
      '-preset',
      'veryfast',
      ...(w % 2 || h % 2 ? ['-metadata', `comment=mmtok-size=${w}x${h}`] : []),
      ...(hasAudio ? ['-c:a', 'aac'] : []),
      '-f',
      'mp4',
    ];
  }
  if (t.kind === 'webm') {
    return [
      '-c:v',
      'libvpx-vp9',
      '-pix_fmt',
      'yuv420p',
      '-crf',
      '30',
      '-b:v',
      '0',
      '-deadline',
      'realtime',
      '-cpu-used',
      '8',
      ...(hasAudio ? ['-c:a', 'libopus'] : []),
      '-f',
      'webm',
    ];
  }
  return ['-c:v', 'png', '-start_number', '0', '-f', 'image2'];
}

function checkGroup(g: FrameGroup, w: number, h: number, path: string): void {
  const bytes = w * h * 3;
  if (g.width !== w || g.height !== h || g.frames.some((f) => f.length !== bytes)) {
    throw new MmtokError(
      'MMTOK_SHAPE',
      `${path}: every frame must be ${w}×${h} RGB (${bytes} bytes); got a group of ${g.width}×${g.height}`,
      { path },
    );
  }
}

/**
 * Writes frames as H.264 MP4 (yuv420p; odd sides are padded by one repeated row/column and the
 * real size recorded in a `comment` tag that readFrames/probeVideo crop back to), VP9 WebM, or a
 * PNG sequence (a directory of 00000.png… or a %05d.png pattern). Frames stream to ffmpeg's stdin
 * with backpressure. Atomic: a temp file (or folder) renamed into place; nothing is left on failure.
 */
export async function writeVideo(
  frames: AsyncIterable<FrameGroup> | FrameGroup[],
  path: string,
  options: WriteVideoOptions,
): Promise<void> {
  if (!options || !(Number.isFinite(options.fps) && options.fps > 0)) {
    throw new MmtokError('MMTOK_CONFIG', `option 'fps' must be a positive number, got ${options?.fps}`);
  }
  const target = await targetOf(path);
  const { path: bin } = resolveFfmpeg();
  const tmp = tempName(target.kind === 'png' ? target.dir : target.path);
  const forget = removeOnInterrupt(tmp);
  let child: ChildProcess | undefined;
  let exited: Promise<number | null> | undefined;
  let stderr = '';
  let w = 0;
  let h = 0;
  let W = 0;
  let H = 0;
  let count = 0;
  const fail = (why: string) =>
    new MmtokError('MMTOK_VIDEO_ENCODE', `ffmpeg could not write ${path} (${why})`, { path });
  try {
    for await (const g of frames as AsyncIterable<FrameGroup>) {
      if (!child) {
        w = g.width;
        h = g.height;
        if (!(w > 0 && h > 0)) throw new MmtokError('MMTOK_SHAPE', `${path}: frames must have a positive size`);
        const even = target.kind === 'mp4';
        W = even ? w + (w % 2) : w;
        H = even ? h + (h % 2) : h;
        if (target.kind === 'png') await mkdir(tmp, { recursive: true });
        const args = ['-hide_banner', '-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24'];
        args.push('-s', `${W}x${H}`, '-r', String(options.fps), '-i', 'pipe:0');
        if (options.audio) args.push('-i', options.audio, '-map', '0:v:0', '-map', '1:a:0', '-shortest');
        args.push(...encoderArgs(target, w, h, !!options.audio));
        args.push(target.kind === 'png' ? join(tmp, target.pattern) : tmp);
        child = spawn(bin, args, { stdio: ['pipe', 'ignore', 'pipe'] });
        killOnInterrupt(child);
        child.stderr!.setEncoding('utf8');
        child.stderr!.on('data', (s: string) => {
          stderr = (stderr + s).slice(-16384);
        });
        child.stdin!.on('error', () => {});
        const c = child;
        exited = new Promise((res) => {
          c.on('close', (code) => res(code));
          c.on('error', () => res(-1));
        });
      }
      checkGroup(g, w, h, path);
      for (const f of g.frames) {
        if (child.exitCode !== null) throw fail(ffmpegReason(stderr));
        if (!child.stdin!.write(padEven(f, w, h, W, H))) await drained(child);
        count++;
      }
    }
    if (!child || count === 0) throw new MmtokError('MMTOK_EMPTY', `no frames to write to ${path}`, { path });
    child.stdin!.end();
    const code = await exited;
    if (code !== 0) throw fail(ffmpegReason(stderr));
    await commit(target, tmp);
  } catch (e) {
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    await rm(tmp, { recursive: true, force: true });
    throw e;
  } finally {
    forget();
  }
}

function drained(child: ChildProcess): Promise<void> {
  return new Promise((res) => {
    const done = () => {
      child.stdin!.off('drain', done);
      child.off('close', done);
      res();
    };
    child.stdin!.on('drain', done);
    child.on('close', done);
  });
}

/** Moves the finished temp output into place. */
async function commit(t: Target, tmp: string): Promise<void> {
  if (t.kind !== 'png') {
    await rename(tmp, t.path);
    return;
  }
  let exists = true;
  try {
    await stat(t.dir);
  } catch {
    exists = false;
  }
  // A new directory appears whole; into an existing one the frames move file by file.
  if (!exists) {
    await rename(tmp, t.dir);
    return;
  }
  for (const f of (await readdir(tmp)).sort()) await rename(join(tmp, f), join(t.dir, f));
  await rm(tmp, { recursive: true, force: true });
}
