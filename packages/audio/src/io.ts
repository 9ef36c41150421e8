/**
 * Audio file I/O: WAV natively, everything else through ffmpeg with raw f32le pipes. Reads return
 * planar float32 at the requested rate and channel count; writes are atomic (temp file, rename).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { type FileHandle, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { MmtokError } from '@mmtok/core';
import { killOnInterrupt, removeOnInterrupt, writeFileAtomic } from '@mmtok/core/node';
import {
  type AudioStreamInfo,
  checkDecodedDuration,
  DECODE_LOG_ARGS,
  ffmpegErrors,
  ffmpegReason,
  hasFfmpeg,
  inputError,
  probeAudio,
  probeFromDecodeLog,
  resolveFfmpeg,
  runFfmpeg,
} from './ffmpeg.js';
import type { AudioBuffer } from './types.js';
import {
  decodeWav,
  decodeWavSamples,
  encodeWav,
  encodeWavSamples,
  isWav,
  parseWavHeader,
  WAV_HEAD_BYTES,
  type WavEncoding,
  type WavFormat,
  wavHeader,
} from './wav.js';

export interface ReadAudioOptions {
  /** Target rate in Hz; default: the file's own. Resampling uses ffmpeg. */
  sampleRate?: number;
  /** Target channel count; default: the file's own. N→1 averages, 1→N copies; other remixes use ffmpeg. */
  channels?: number;
  /** Seconds to skip at the start. */
  start?: number;
  /** Seconds to read at most. */
  duration?: number;
}

/** Extensions treated as audio by the CLI and writable by writeAudio (wav natively, the rest via ffmpeg). */
export const AUDIO_EXTENSIONS: readonly string[] = ['.wav', '.flac', '.mp3', '.ogg', '.opus', '.m4a', '.aac'];

function describe(input: string | Uint8Array): string {
  return typeof input === 'string' ? input : `<buffer of ${input.length} bytes>`;
}

function checkOptions(o: ReadAudioOptions): void {
  for (const k of ['sampleRate', 'channels'] as const) {
    const v = o[k];
    if (v !== undefined && !(Number.isInteger(v) && v > 0 && v <= (k === 'channels' ? 64 : 768000))) {
      throw new MmtokError('MMTOK_CONFIG', `option '${k}' must be a positive integer, got ${JSON.stringify(v)}`);
    }
  }
  for (const k of ['start', 'duration'] as const) {
    const v = o[k];
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) {
      throw new MmtokError('MMTOK_CONFIG', `option '${k}' must be a non-negative number of seconds, got ${v}`);
    }
  }
}

function empty(what: string): MmtokError {
  return new MmtokError('MMTOK_EMPTY', `${what} holds no audio samples (zero length)`, { path: what });
}

/** Simple remixes done natively: N→1 by averaging, 1→N by copying. */
export function canRemix(from: number, to: number): boolean {
  return from === to || to === 1 || from === 1;
}

/** Remixes planar audio to `channels` (see canRemix). */
export function remix(a: AudioBuffer, channels: number): AudioBuffer {
  if (a.channels === channels) return a;
  const n = a.length;
  const out = new Float32Array(channels * n);
  if (channels === 1) {
    for (let c = 0; c < a.channels; c++) for (let i = 0; i < n; i++) out[i] += a.data[c * n + i];
    for (let i = 0; i < n; i++) out[i] /= a.channels;
  } else if (a.channels === 1) {
    for (let c = 0; c < channels; c++) out.set(a.data.subarray(0, n), c * n);
  } else {
    throw new MmtokError('MMTOK_CONFIG', `remixing ${a.channels} to ${channels} channels needs ffmpeg`);
  }
  return { data: out, channels, sampleRate: a.sampleRate, length: n };
}

/** Interleaved f32le bytes → planar float32. */
export function deinterleave(bytes: Uint8Array, channels: number, sampleRate: number): AudioBuffer {
  const n = Math.floor(bytes.length / (4 * channels));
  const aligned =
    bytes.byteOffset % 4 === 0
      ? new Float32Array(bytes.buffer, bytes.byteOffset, n * channels)
      : new Float32Array(bytes.slice(0, n * channels * 4).buffer);
  const data = new Float32Array(n * channels);
  for (let i = 0; i < n; i++) for (let c = 0; c < channels; c++) data[c * n + i] = aligned[i * channels + c];
  return { data, channels, sampleRate, length: n };
}

/** Planar → interleaved f32le bytes. */
export function interleave(a: AudioBuffer, offset = 0, n = a.length - offset): Uint8Array {
  const C = a.channels;
  const out = new Float32Array(n * C);
  for (let c = 0; c < C; c++) for (let i = 0; i < n; i++) out[i * C + c] = a.data[c * a.length + offset + i];
  return new Uint8Array(out.buffer);
}

/** ffmpeg input args for a path or stdin, with seeking. */
function ffmpegInputArgs(input: string | Uint8Array, o: ReadAudioOptions): string[] {
  const args: string[] = [];
  if (o.start) args.push('-ss', String(o.start));
  if (o.duration !== undefined) args.push('-t', String(o.duration));
  args.push('-i', typeof input === 'string' ? input : 'pipe:0');
  return args;
}

export function ffmpegOutputArgs(channels: number, sampleRate: number): string[] {
  return [
    '-map',
    '0:a:0',
    '-vn',
    '-f',
    'f32le',
    '-acodec',
    'pcm_f32le',
    '-ac',
    String(channels),
    '-ar',
    String(sampleRate),
    'pipe:1',
  ];
}

async function readHead(path: string): Promise<{ head: Uint8Array; size: number }> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new MmtokError(
      'MMTOK_IO',
      `could not read ${path}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
      {
        path,
      },
    );
  }
  try {
    const { size } = await fh.stat();
    if (size === 0) throw empty(path);
    const head = new Uint8Array(Math.min(size, WAV_HEAD_BYTES));
    await fh.read(head, 0, head.length, 0);
    return { head, size };
  } finally {
    await fh.close();
  }
}

/** ffmpeg for a conversion WAV cannot do natively; the error says which conversion needed it. */
export function needsFfmpegFor(what: string, why: string): void {
  if (hasFfmpeg()) return;
  try {
    resolveFfmpeg();
  } catch (e) {
    const m = (e as MmtokError).message.replace(/^\w+: /, '');
    throw new MmtokError('MMTOK_FFMPEG_MISSING', `${what}: ${why} needs ffmpeg: ${m}`, { path: what });
  }
}

/**
 * Reads audio into planar float32. WAV (PCM 8/16/24/32-bit, float 32/64-bit, WAVE_FORMAT_EXTENSIBLE)
 * is parsed natively; other formats, and WAV at another sample rate, go through ffmpeg.
 * Errors: MMTOK_IO, MMTOK_AUDIO_DECODE (corrupt/truncated), MMTOK_AUDIO_NO_STREAM (no audio stream),
 * MMTOK_EMPTY (zero samples), MMTOK_FFMPEG_MISSING.
 */
export async function readAudio(input: string | Uint8Array, options: ReadAudioOptions = {}): Promise<AudioBuffer> {
  checkOptions(options);
  const what = describe(input);
  let head: Uint8Array;
  let size: number;
  if (typeof input === 'string') ({ head, size } = await readHead(input));
  else {
    if (input.length === 0) throw empty(what);
    head = input.subarray(0, WAV_HEAD_BYTES);
    size = input.length;
  }
  if (isWav(head)) {
    const fmt = parseWavHeader(head, size, what);
    const rate = options.sampleRate ?? fmt.sampleRate;
    const channels = options.channels ?? fmt.channels;
    if (rate === fmt.sampleRate && canRemix(fmt.channels, channels)) {
      const all = typeof input === 'string' ? await readFile(input) : input;
      let a = decodeWav(new Uint8Array(all.buffer, all.byteOffset, all.byteLength), what);
      a = sliceSeconds(a, options.start, options.duration);
      if (a.length === 0) throw empty(what);
      return remix(a, channels);
    }
    needsFfmpegFor(what, `converting ${fmt.sampleRate} Hz × ${fmt.channels} ch to ${rate} Hz × ${channels} ch`);
    return readWithFfmpeg(input, what, { ...options, sampleRate: rate, channels });
  }
  resolveFfmpeg();
  let rate = options.sampleRate;
  let channels = options.channels;
  let info: AudioStreamInfo | undefined;
  if (rate === undefined || channels === undefined) {
    info = await probeAudio(input);
    rate ??= info.sampleRate;
    channels ??= info.channels;
  }
  return readWithFfmpeg(input, what, { ...options, sampleRate: rate, channels }, info);
}

function sliceSeconds(a: AudioBuffer, start?: number, duration?: number): AudioBuffer {
  if (!start && duration === undefined) return a;
  const s0 = Math.min(a.length, Math.round((start ?? 0) * a.sampleRate));
  const s1 = duration === undefined ? a.length : Math.min(a.length, s0 + Math.round(duration * a.sampleRate));
  const n = s1 - s0;
  const data = new Float32Array(a.channels * n);
  for (let c = 0; c < a.channels; c++) data.set(a.data.subarray(c * a.length + s0, c * a.length + s1), c * n);
  return { data, channels: a.channels, sampleRate: a.sampleRate, length: n };
}

async function readWithFfmpeg(
  input: string | Uint8Array,
  what: string,
  o: ReadAudioOptions & { sampleRate: number; channels: number },
  /** The input's probe when the caller already ran one (not probed twice). */
  probed?: AudioStreamInfo,
): Promise<AudioBuffer> {
  const r = await runFfmpeg(
    [...DECODE_LOG_ARGS, ...ffmpegInputArgs(input, o), ...ffmpegOutputArgs(o.channels, o.sampleRate)],
    typeof input === 'string' ? undefined : input,
  );
  const errors = ffmpegErrors(r.stderr);
  if (r.code !== 0) throw inputError(what, errors);
  if (r.stdout.length < 4 * o.channels) {
    // Decoding "succeeded" with nothing: either a truly empty stream or a file ffmpeg skipped over.
    if (/error|invalid/i.test(errors)) throw inputError(what, errors);
    throw empty(what);
  }
  const audio = deinterleave(r.stdout, o.channels, o.sampleRate);
  if (typeof input === 'string') {
    const info = probed ?? probeFromDecodeLog(r.stderr) ?? (await probeAudio(input));
    checkDecodedDuration(what, info, audio.length / o.sampleRate, o);
  }
  return audio;
}

export interface StreamAudioOptions {
  sampleRate: number;
  channels: number;
  /** Samples per channel per chunk (the last chunk may be shorter). */
  chunkSamples: number;
}

/**
 * Reads a file chunk by chunk in bounded memory: native for WAV at the target rate, otherwise an
 * ffmpeg f32le pipe (backpressure stops ffmpeg while chunks are not consumed). Zero samples in
 * total is MMTOK_EMPTY, thrown when the stream ends.
 */
export async function* streamAudio(input: string, options: StreamAudioOptions): AsyncGenerator<AudioBuffer> {
  checkOptions(options);
  if (!(Number.isInteger(options.chunkSamples) && options.chunkSamples > 0)) {
    throw new MmtokError(
      'MMTOK_CONFIG',
      `option 'chunkSamples' must be a positive integer, got ${options.chunkSamples}`,
    );
  }
  const { head, size } = await readHead(input);
  if (isWav(head)) {
    const fmt = parseWavHeader(head, size, input);
    if (fmt.sampleRate === options.sampleRate && canRemix(fmt.channels, options.channels)) {
      if (fmt.length === 0) throw empty(input);
      yield* streamWav(input, fmt, options);
      return;
    }
  }
  resolveFfmpeg();
  yield* streamFfmpeg(input, options);
}

async function* streamWav(path: string, fmt: WavFormat, o: StreamAudioOptions): AsyncGenerator<AudioBuffer> {
  const fh = await open(path, 'r');
  try {
    let done = 0;
    const bytes = new Uint8Array(o.chunkSamples * fmt.blockAlign);
    while (done < fmt.length) {
      const n = Math.min(o.chunkSamples, fmt.length - done);
      const want = n * fmt.blockAlign;
      const { bytesRead } = await fh.read(bytes, 0, want, fmt.dataOffset + done * fmt.blockAlign);
      if (bytesRead < want) throw new MmtokError('MMTOK_AUDIO_DECODE', `${path}: truncated while reading`, { path });
      const data = new Float32Array(fmt.channels * n);
      decodeWavSamples(bytes.subarray(0, want), fmt, data, n, 0);
      done += n;
      yield remix({ data, channels: fmt.channels, sampleRate: fmt.sampleRate, length: n }, o.channels);
    }
  } finally {
    await fh.close();
  }
}

async function* streamFfmpeg(path: string, o: StreamAudioOptions): AsyncGenerator<AudioBuffer> {
  const { path: bin } = resolveFfmpeg();
  const child = spawn(
    bin,
    ['-hide_banner', '-nostdin', ...DECODE_LOG_ARGS, '-i', path, ...ffmpegOutputArgs(o.channels, o.sampleRate)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  killOnInterrupt(child);
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    stderr = (stderr + s).slice(-16384);
  });
  const exited = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
  const spawnFailed = new Promise<never>((_, rej) => child.on('error', (e) => rej(e)));
  spawnFailed.catch(() => {});
  const frameBytes = 4 * o.channels;
  const chunkBytes = o.chunkSamples * frameBytes;
  let pending: Buffer = Buffer.alloc(0);
  let total = 0;
  let finished = false;
  try {
    for await (const b of child.stdout as AsyncIterable<Buffer>) {
      pending = pending.length ? Buffer.concat([pending, b]) : b;
      while (pending.length >= chunkBytes) {
        const chunk = deinterleave(pending.subarray(0, chunkBytes), o.channels, o.sampleRate);
        pending = pending.subarray(chunkBytes);
        total += chunk.length;
        yield chunk;
      }
    }
    const code = await exited;
    if (code !== 0) throw inputError(path, ffmpegErrors(stderr));
    const whole = pending.length - (pending.length % frameBytes);
    if (whole > 0) {
      total += whole / frameBytes;
      yield deinterleave(pending.subarray(0, whole), o.channels, o.sampleRate);
    }
    const errors = ffmpegErrors(stderr);
    if (total === 0) throw /error|invalid/i.test(errors) ? inputError(path, errors) : empty(path);
    finished = true;
    checkDecodedDuration(path, probeFromDecodeLog(stderr) ?? (await probeAudio(path)), total / o.sampleRate);
  } finally {
    if (!finished && child.exitCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  }
}

export interface WriteAudioOptions {
  /** Lossy formats: ffmpeg's -b:a, e.g. '64k'. */
  bitrate?: string;
  /** WAV sample encoding. Default 'pcm16'. */
  encoding?: WavEncoding;
}

/** ffmpeg muxer and codec per output extension. */
const FFMPEG_FORMATS: Record<string, string[]> = {
  '.flac': ['-f', 'flac', '-c:a', 'flac'],
  '.mp3': ['-f', 'mp3', '-c:a', 'libmp3lame'],
  '.opus': ['-f', 'opus', '-c:a', 'libopus'],
  '.ogg': ['-f', 'ogg'],
  '.m4a': ['-f', 'ipod', '-c:a', 'aac'],
  '.aac': ['-f', 'adts', '-c:a', 'aac'],
};

function formatOf(path: string): string {
  const ext = extname(path).toLowerCase();
  if (ext !== '.wav' && !FFMPEG_FORMATS[ext]) {
    throw new MmtokError(
      'MMTOK_AUDIO_FORMAT',
      `cannot write '${ext || basename(path)}' audio; name the output with one of ${AUDIO_EXTENSIONS.join(' ')}`,
      { path },
    );
  }
  return ext;
}

/** An incremental, atomic audio file writer: chunks in, one complete file at `path` on close(). */
export interface AudioWriter {
  write(chunk: AudioBuffer): Promise<void>;
  /** Finishes the file and renames it into place. */
  close(): Promise<void>;
  /** Removes the temp file; nothing appears at `path`. */
  abort(): Promise<void>;
}

function tempPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Opens a writer for `path`; the format follows its extension (wav natively; flac, mp3, opus, ogg, m4a, aac via ffmpeg). */
export async function openAudioWriter(
  path: string,
  format: { sampleRate: number; channels: number },
  options: WriteAudioOptions = {},
): Promise<AudioWriter> {
  const ext = formatOf(path);
  const tmp = tempPath(path);
  // Forgotten once the file is renamed into place or removed (close or abort).
  const forget = removeOnInterrupt(tmp);
  const check = (chunk: AudioBuffer) => {
    if (chunk.channels !== format.channels || chunk.sampleRate !== format.sampleRate) {
      throw new MmtokError(
        'MMTOK_SHAPE',
        `audio writer for ${path} takes ${format.channels} ch at ${format.sampleRate} Hz, got ${chunk.channels} ch at ${chunk.sampleRate} Hz`,
      );
    }
  };
  const fail = (e: unknown) =>
    e instanceof MmtokError
      ? e
      : new MmtokError('MMTOK_IO', `could not write ${path}: ${(e as Error).message}`, { path });
  if (ext === '.wav') {
    const encoding = options.encoding ?? 'pcm16';
    let fh: FileHandle;
    try {
      fh = await open(tmp, 'wx');
    } catch (e) {
      forget();
      throw fail(e);
    }
    let samples = 0;
    let pos = wavHeader(encoding, format.channels, format.sampleRate, 0).length;
    return forgetting(forget, {
      async write(chunk) {
        check(chunk);
        const bytes = encodeWavSamples(chunk, encoding);
        try {
          await fh.write(bytes, 0, bytes.length, pos);
        } catch (e) {
          throw fail(e);
        }
        pos += bytes.length;
        samples += chunk.length;
      },
      async close() {
        try {
          const head = wavHeader(encoding, format.channels, format.sampleRate, samples);
          await fh.write(head, 0, head.length, 0);
          await fh.sync();
          await fh.close();
          await rename(tmp, path);
        } catch (e) {
          await rm(tmp, { force: true });
          throw fail(e);
        }
      },
      async abort() {
        await fh.close().catch(() => {});
        await rm(tmp, { force: true });
      },
    });
  }
  const { path: bin } = resolveFfmpeg();
  const args = [
    '-hide_banner',
    '-v',
    'error',
    '-y',
    '-f',
    'f32le',
    '-ar',
    String(format.sampleRate),
    '-ac',
    String(format.channels),
    '-i',
    'pipe:0',
    ...FFMPEG_FORMATS[ext],
    ...(options.bitrate ? ['-b:a', options.bitrate] : []),
    tmp,
  ];
  const child: ChildProcess = spawn(bin, args, { stdio: ['pipe', 'ignore', 'pipe'] });
  killOnInterrupt(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (s: string) => {
    stderr = (stderr + s).slice(-16384);
  });
  const exited = new Promise<number | null>((res) => {
    child.on('close', (code) => res(code));
    child.on('error', () => res(-1));
  });
  child.stdin!.on('error', () => {});
  const encodeFailed = () =>
    new MmtokError('MMTOK_AUDIO_ENCODE', `ffmpeg could not write ${path} (${ffmpegReason(stderr)})`, { path });
  return forgetting(forget, {
    async write(chunk) {
      check(chunk);
      const bytes = interleave(chunk);
      const ok = child.stdin!.write(bytes);
      if (!ok) {
        await new Promise<void>((res) => {
          const done = () => {
            child.stdin!.off('drain', done);
            child.off('close', done);
            res();
          };
          child.stdin!.on('drain', done);
          child.on('close', done);
        });
      }
      if (child.exitCode !== null) throw encodeFailed();
    },
    async close() {
      child.stdin!.end();
      const code = await exited;
      if (code !== 0) {
        await rm(tmp, { force: true });
        throw encodeFailed();
      }
      try {
        await rename(tmp, path);
      } catch (e) {
        await rm(tmp, { force: true });
        throw fail(e);
      }
    },
    async abort() {
      child.kill('SIGKILL');
      await exited;
      await rm(tmp, { force: true });
    },
  });
}

/** The writer, with its temp file's interrupt cleanup dropped once it is closed or aborted. */
function forgetting(forget: () => void, w: AudioWriter): AudioWriter {
  return {
    write: (chunk) => w.write(chunk),
    close: () => w.close().finally(forget),
    abort: () => w.abort().finally(forget),
  };
}

/** Writes audio; the format follows the extension (wav natively; flac, mp3, opus, ogg, m4a, aac via ffmpeg). Atomic. */
export async function writeAudio(audio: AudioBuffer, path: string, options: WriteAudioOptions = {}): Promise<void> {
  checkAudio(audio);
  if (formatOf(path) === '.wav') {
    await writeFileAtomic(path, encodeWav(audio, options.encoding ?? 'pcm16'));
    return;
  }
  const w = await openAudioWriter(path, audio, options);
  try {
    // Bounded pipe writes: 1 s at a time.
    const step = audio.sampleRate;
    for (let at = 0; at < audio.length; at += step)
      await w.write(sliceSamples(audio, at, Math.min(audio.length, at + step)));
  } catch (e) {
    await w.abort();
    throw e;
  }
  await w.close();
}

/** Samples [from, to) of every channel. */
export function sliceSamples(a: AudioBuffer, from: number, to: number): AudioBuffer {
  const n = to - from;
  const data = new Float32Array(a.channels * n);
  for (let c = 0; c < a.channels; c++) data.set(a.data.subarray(c * a.length + from, c * a.length + to), c * n);
  return { data, channels: a.channels, sampleRate: a.sampleRate, length: n };
}

/** Validates an AudioBuffer's geometry. */
export function checkAudio(a: AudioBuffer, what = 'audio'): void {
  if (
    !a ||
    !(a.data instanceof Float32Array) ||
    !(Number.isInteger(a.channels) && a.channels > 0) ||
    !(Number.isInteger(a.sampleRate) && a.sampleRate > 0) ||
    !(Number.isInteger(a.length) && a.length >= 0) ||
    a.data.length !== a.channels * a.length
  ) {
    throw new MmtokError(
      'MMTOK_SHAPE',
      `${what} must be { data: Float32Array of channels·length, channels, sampleRate, length } with positive integers`,
    );
  }
  if (a.length === 0) throw new MmtokError('MMTOK_EMPTY', `${what} has zero samples`);
}

/**
 * Converts in-memory audio to another rate and/or channel count: simple remixes natively,
 * resampling through ffmpeg (f32le in and out, soxr-free default resampler).
 */
export async function convertAudio(audio: AudioBuffer, sampleRate: number, channels: number): Promise<AudioBuffer> {
  if (audio.sampleRate === sampleRate && canRemix(audio.channels, channels)) return remix(audio, channels);
  needsFfmpegFor(
    'audio',
    `converting ${audio.sampleRate} Hz × ${audio.channels} ch to ${sampleRate} Hz × ${channels} ch`,
  );
  const r = await runFfmpeg(
    [
      '-v',
      'error',
      '-f',
      'f32le',
      '-ar',
      String(audio.sampleRate),
      '-ac',
      String(audio.channels),
      '-i',
      'pipe:0',
      ...ffmpegOutputArgs(channels, sampleRate),
    ],
    interleave(audio),
  );
  if (r.code !== 0) {
    throw new MmtokError('MMTOK_AUDIO_DECODE', `ffmpeg could not convert the audio (${ffmpegReason(r.stderr)})`);
  }
  return deinterleave(r.stdout, channels, sampleRate);
}
