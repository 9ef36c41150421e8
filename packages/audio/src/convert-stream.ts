import { type ChildProcessByStdio, spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { MmtokError } from '@mmtok/core';
import { killOnInterrupt } from '@mmtok/core/node';
import { ffmpegReason, resolveFfmpeg } from './ffmpeg.js';
import { canRemix, checkAudio, deinterleave, ffmpegOutputArgs, interleave, needsFfmpegFor, remix } from './io.js';
import type { AudioBuffer } from './types.js';

/**
 * Converts streamed chunks to `sampleRate` × `channels` as they arrive: natively when only the
 * channels differ (see remix), otherwise through one ffmpeg process for the whole stream — the
 * resampler convertAudio uses, so the samples equal those of converting the joined chunks at once.
 * Every chunk must have the first one's rate and channel count (MMTOK_MISMATCH otherwise).
 */
export async function* convertAudioStream(
  chunks: AsyncIterable<AudioBuffer>,
  sampleRate: number,
  channels: number,
): AsyncGenerator<AudioBuffer> {
  const it = chunks[Symbol.asyncIterator]();
  const head = await it.next();
  if (head.done) return;
  const from = { sampleRate: head.value.sampleRate, channels: head.value.channels };
  async function* all(): AsyncGenerator<AudioBuffer> {
    let next = head;
    // Stopped early (a consumer break, an error): let the source release what it holds.
    try {
      while (!next.done) {
        const chunk = next.value;
        checkAudio(chunk, 'audio chunk');
        if (chunk.sampleRate !== from.sampleRate || chunk.channels !== from.channels) {
          throw new MmtokError(
            'MMTOK_MISMATCH',
            `streamed chunks must keep the first chunk's ${from.sampleRate} Hz × ${from.channels} ch, got ${chunk.sampleRate} Hz × ${chunk.channels} ch`,
          );
        }
        yield chunk;
        next = await it.next();
      }
    } finally {
      if (!next.done) await it.return?.();
    }
  }
  if (from.sampleRate === sampleRate && canRemix(from.channels, channels)) {
    for await (const chunk of all()) yield remix(chunk, channels);
    return;
  }
  needsFfmpegFor(
    'audio stream',
    `converting ${from.sampleRate} Hz × ${from.channels} ch to ${sampleRate} Hz × ${channels} ch`,
  );
  yield* throughFfmpeg(all(), from, sampleRate, channels);
}

async function* throughFfmpeg(
  chunks: AsyncIterable<AudioBuffer>,
  from: { sampleRate: number; channels: number },
  sampleRate: number,
  channels: number,
): AsyncGenerator<AudioBuffer> {
  const input = ['-f', 'f32le', '-ar', String(from.sampleRate), '-ac', String(from.channels), '-i', 'pipe:0'];
  const child = spawn(
    resolveFfmpeg().path,
    ['-hide_banner', '-v', 'error', ...input, ...ffmpegOutputArgs(channels, sampleRate)],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  killOnInterrupt(child);
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    stderr = (stderr + s).slice(-16384);
  });
  // Output is collected as it comes, so ffmpeg never blocks on a full pipe while a write waits.
  let pending: Buffer = Buffer.alloc(0);
  child.stdout.on('data', (b: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, b]) : b;
  });
  child.stdin.on('error', () => {}); // ffmpeg exiting early: its exit status and stderr say why
  let stopped = false;
  const exited = new Promise<number | null>((res) => {
    child.on('close', (code) => {
      stopped = true;
      res(code);
    });
    child.on('error', () => {
      stopped = true;
      res(null);
    });
  });
  const failed = () =>
    new MmtokError('MMTOK_AUDIO_DECODE', `ffmpeg could not convert the audio stream (${ffmpegReason(stderr)})`);
  const frameBytes = 4 * channels;
  const take = (): AudioBuffer | undefined => {
    const whole = pending.length - (pending.length % frameBytes);
    if (whole === 0) return undefined;
    const out = deinterleave(pending.subarray(0, whole), channels, sampleRate);
    pending = pending.subarray(whole);
    return out;
  };
  let finished = false;
  try {
    for await (const chunk of chunks) {
      const bytes = interleave(chunk);
      if (!child.stdin.write(bytes)) await drained(child);
      // ffmpeg gone mid-stream (killed, out of memory): stop reading the source now.
      if (stopped) throw failed();
      const out = take();
      if (out) yield out;
    }
    child.stdin.end();
    if ((await exited) !== 0) throw failed();
    const out = take();
    if (out) yield out;
    finished = true;
  } finally {
    if (!finished && child.exitCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  }
}

/** Waits until ffmpeg takes more input, or has exited (its status then says why it stopped reading). */
function drained(child: ChildProcessByStdio<Writable, Readable, Readable>): Promise<void> {
  return new Promise((res) => {
    const done = () => {
      child.stdin.off('drain', done);
      child.off('close', done);
      res();
    };
    child.stdin.once('drain', done);
    child.once('close', done);
  });
}
