import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { MmtokError } from '@mmtok/core';
import { killOnInterrupt } from '@mmtok/core/node';

export interface FfmpegLocation {
  path: string;
  /** MMTOK_FFMPEG, the optional ffmpeg-static package, or `ffmpeg` found on PATH. */
  source: 'env' | 'ffmpeg-static' | 'path';
}

const HOW_TO_FIX =
  'install ffmpeg (e.g. apt-get install ffmpeg, brew install ffmpeg), or `npm install ffmpeg-static`, ' +
  'or set MMTOK_FFMPEG to the path of an ffmpeg binary. WAV files are read and written without ffmpeg.';

function isExecutable(path: string): boolean {
  return existsSync(path) && spawnSync(path, ['-version'], { stdio: 'ignore' }).status === 0;
}

/** ffmpeg-static's binary path, when the package is installed and its download happened. */
function ffmpegStaticPath(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const p = require('ffmpeg-static') as unknown;
    return typeof p === 'string' && existsSync(p) ? p : undefined;
  } catch {
    return undefined;
  }
}

function onPath(): string | undefined {
  const names = process.platform === 'win32' ? ['ffmpeg.exe'] : ['ffmpeg'];
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const n of names) {
      const p = join(dir, n);
      if (existsSync(p)) return p;
    }
  }
  return undefined;
}

/**
 * Finds ffmpeg at call time: MMTOK_FFMPEG (must exist: a wrong override is an error, not a silent
 * fallback), then ffmpeg-static's binary if present, then `ffmpeg` on PATH.
 */
export function resolveFfmpeg(): FfmpegLocation {
  const env = process.env.MMTOK_FFMPEG;
  if (env) {
    if (!isExecutable(env)) {
      throw new MmtokError(
        'MMTOK_FFMPEG_MISSING',
        `MMTOK_FFMPEG=${env} is not a runnable ffmpeg binary; ${HOW_TO_FIX}`,
        {
          path: env,
        },
      );
    }
    return { path: env, source: 'env' };
  }
  const fromPackage = ffmpegStaticPath();
  if (fromPackage) return { path: fromPackage, source: 'ffmpeg-static' };
  const fromPath = onPath();
  if (fromPath) return { path: fromPath, source: 'path' };
  throw new MmtokError('MMTOK_FFMPEG_MISSING', `ffmpeg was not found; ${HOW_TO_FIX}`);
}

/** True when ffmpeg can be resolved. */
export function hasFfmpeg(): boolean {
  try {
    resolveFfmpeg();
    return true;
  } catch {
    return false;
  }
}

/** Last meaningful lines of ffmpeg's stderr, for error messages. */
export function ffmpegReason(stderr: string): string {
  const lines = stderr
    .split('\n')
    // `[mov,mp4 @ 0x55…]` names a per-run address: dropped, so a bad file always gives the same message.
    .map((l) => l.replace(/ @ 0x[0-9a-f]+\]/g, ']').trim())
    .filter(Boolean);
  return lines.slice(-3).join(' | ') || 'no message';
}

/**
 * Log options for a decode: info level, each line tagged with its level, no progress lines. The
 * input's header (Duration, Stream) is then in the decode's own stderr, so the truncation check
 * needs no second ffmpeg run; ffmpegErrors picks out what `-v error` alone would have printed.
 */
export const DECODE_LOG_ARGS: readonly string[] = ['-loglevel', 'level+info', '-nostats'];

const LEVEL_TAG = /\[(panic|fatal|error|warning|info|verbose|debug|trace)\] /;

/** The error-level lines of a log written with DECODE_LOG_ARGS, tags removed (untagged lines continue the one before). */
export function ffmpegErrors(stderr: string): string {
  let level = 'info';
  const kept: string[] = [];
  for (const line of stderr.split('\n')) {
    const tag = LEVEL_TAG.exec(line);
    if (tag) level = tag[1];
    if (level === 'error' || level === 'fatal' || level === 'panic') kept.push(line.replace(LEVEL_TAG, ''));
  }
  return kept.join('\n');
}

/**
 * The input's stream info from a decode's log (DECODE_LOG_ARGS). Only the log's tail is kept, so it
 * counts only while the input header is still there; undefined otherwise (then probe the file).
 */
export function probeFromDecodeLog(stderr: string): AudioStreamInfo | undefined {
  return /\[info\] Input #0,/.test(stderr) ? parseProbe(stderr) : undefined;
}

/** Classifies an ffmpeg failure on an input into a stable error. */
export function inputError(what: string, stderr: string): MmtokError {
  if (/no such file or directory/i.test(stderr)) {
    return new MmtokError('MMTOK_IO', `${what}: no such file`, { path: what });
  }
  if (/matches no streams|does not contain any stream|Output file .* does not contain any stream/i.test(stderr)) {
    return new MmtokError('MMTOK_AUDIO_NO_STREAM', `${what} has no audio stream`, { path: what });
  }
  return new MmtokError('MMTOK_AUDIO_DECODE', `${what}: ffmpeg could not decode it (${ffmpegReason(stderr)})`, {
    path: what,
  });
}

/** Runs ffmpeg to completion, feeding `stdin` if given; resolves with stdout bytes and stderr text. */
export function runFfmpeg(
  args: readonly string[],
  stdin?: Uint8Array,
): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  const { path } = resolveFfmpeg();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      path,
      ['-hide_banner', '-nostdin', ...args].filter((a) => a !== '-nostdin' || !stdin),
      {
        stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      },
    );
    killOnInterrupt(child);
    const out: Buffer[] = [];
    let err = '';
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => {
      // Keep the tail only: a long decode can log a lot.
      err = (err + s).slice(-16384);
    });
    child.on('error', (e) =>
      reject(new MmtokError('MMTOK_FFMPEG_MISSING', `could not run ffmpeg at ${path}: ${e.message}`, { path })),
    );
    child.on('close', (code) => resolvePromise({ code, stdout: Buffer.concat(out), stderr: err }));
    if (stdin && child.stdin) {
      child.stdin.on('error', () => {}); // ffmpeg may exit before reading everything; its stderr says why
      child.stdin.end(Buffer.from(stdin.buffer, stdin.byteOffset, stdin.byteLength));
    }
  });
}

export interface AudioStreamInfo {
  sampleRate: number;
  channels: number;
  /** Seconds, when ffmpeg knows it. */
  duration?: number;
  /** ffmpeg guessed the duration from the bitrate (e.g. an MP3 without a Xing header): not a fact to check against. */
  durationEstimated?: boolean;
  codec: string;
}

const LAYOUT_CHANNELS: Record<string, number> = {
  mono: 1,
  stereo: 2,
  '2.1': 3,
  '3.0': 3,
  '3.0(back)': 3,
  '3.1': 4,
  '4.0': 4,
  quad: 4,
  'quad(side)': 4,
  '4.1': 5,
  '5.0': 5,
  '5.0(side)': 5,
  '5.1': 6,
  '5.1(side)': 6,
  '6.1': 7,
  '7.1': 8,
  '7.1(wide)': 8,
};

/** Parses the first audio stream out of `ffmpeg -i` output; undefined when there is none. */
export function parseProbe(stderr: string): AudioStreamInfo | undefined {
  const m = /Stream #\d+:\d+[^:]*: Audio: ([^,\n]+)[^\n]*?, (\d+) Hz, ([^,\n]+)/.exec(stderr);
  if (!m) return undefined;
  const layout = m[3].trim();
  const n = /^(\d+) channels/.exec(layout);
  const channels = n ? Number(n[1]) : (LAYOUT_CHANNELS[layout] ?? 2);
  const d = /Duration: (\d+):(\d+):(\d+(?:\.\d+)?)/.exec(stderr);
  const duration = d ? Number(d[1]) * 3600 + Number(d[2]) * 60 + Number(d[3]) : undefined;
  const durationEstimated = /Estimating duration from bitrate/i.test(stderr);
  return { codec: m[1].trim().split(' ')[0], sampleRate: Number(m[2]), channels, duration, durationEstimated };
}

/**
 * How far decoded audio may fall short of the duration its container states: encoder delay and
 * frame rounding cost a few tens of milliseconds; more means the stream is truncated or corrupt
 * (ffmpeg decodes what it can and exits 0).
 */
export const DURATION_SHORTFALL_TOLERANCE = { seconds: 0.2, fraction: 0.02 };

/**
 * MMTOK_AUDIO_DECODE when `decodedSeconds` fall short of what the container states (from `start`,
 * for at most `duration` seconds) by more than DURATION_SHORTFALL_TOLERANCE.
 */
export function checkDecodedDuration(
  what: string,
  info: AudioStreamInfo,
  decodedSeconds: number,
  range: { start?: number; duration?: number } = {},
): void {
  if (info.duration === undefined || info.durationEstimated) return;
  const rest = Math.max(0, info.duration - (range.start ?? 0));
  const expected = range.duration === undefined ? rest : Math.min(rest, range.duration);
  const tolerance = Math.max(DURATION_SHORTFALL_TOLERANCE.seconds, DURATION_SHORTFALL_TOLERANCE.fraction * expected);
  if (expected - decodedSeconds > tolerance) {
    throw new MmtokError(
      'MMTOK_AUDIO_DECODE',
      `${what}: only ${decodedSeconds.toFixed(2)} s of the ${expected.toFixed(2)} s its header states could be decoded; the file is truncated or corrupt`,
      { path: what, decodedSeconds, expectedSeconds: expected },
    );
  }
}

/**
 * The first audio stream of a file (or bytes) as ffmpeg sees it. MMTOK_AUDIO_NO_STREAM when the
 * container has none (e.g. a silent video), MMTOK_AUDIO_DECODE when ffmpeg cannot read it at all.
 */
export async function probeAudio(input: string | Uint8Array): Promise<AudioStreamInfo> {
  const what = typeof input === 'string' ? input : `<buffer of ${input.length} bytes>`;
  const r =
    typeof input === 'string'
      ? await runFfmpeg(['-i', input])
      : await runFfmpeg(['-i', 'pipe:0', '-f', 'null', '-t', '0', '-'], input);
  const info = parseProbe(r.stderr);
  if (info) return info;
  if (/Stream #\d+:\d+/.test(r.stderr) && !/Invalid data found/i.test(r.stderr)) {
    throw new MmtokError('MMTOK_AUDIO_NO_STREAM', `${what} has no audio stream`, { path: what });
  }
  throw inputError(what, r.stderr);
}
