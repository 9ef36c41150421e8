import { spawn } from 'node:child_process';
import { resolveFfmpeg } from '@mmtok/audio';
import { MmtokError } from '@mmtok/core';
import { killOnInterrupt } from '@mmtok/core/node';
import { emptyVideo, ffmpegInputPath, probeVideo, videoInputError } from './probe.js';
import type { FrameGroup, VideoInfo } from './types.js';

export interface ReadFramesOptions {
  /** Output rate; default the source's (average for variable-rate sources, which are always resampled). */
  fps?: number;
  /** Output size; giving one side keeps the aspect ratio. Default the source's. */
  width?: number;
  height?: number;
  /** Seconds to skip at the start. */
  start?: number;
  /** Seconds to read at most. */
  duration?: number;
  /** Frames per yielded group. Default 8. */
  groupSize?: number;
}

/** What a read will produce, resolved from the probe and the options. */
export interface FramePlan {
  width: number;
  height: number;
  fps: number;
  /** True when ffmpeg's fps filter makes the rate constant (variable-rate source or another rate asked). */
  resampled: boolean;
  info: VideoInfo;
}

function positive(v: number | undefined, name: string, integer: boolean): void {
  if (v === undefined) return;
  if (!(Number.isFinite(v) && v > 0 && (!integer || Number.isInteger(v)))) {
    throw new MmtokError(
      'MMTOK_CONFIG',
      `option '${name}' must be a positive ${integer ? 'integer' : 'number'}, got ${v}`,
    );
  }
}

export function checkReadOptions(o: ReadFramesOptions): void {
  positive(o.fps, 'fps', false);
  positive(o.width, 'width', true);
  positive(o.height, 'height', true);
  positive(o.groupSize, 'groupSize', true);
  positive(o.duration, 'duration', false);
  if (o.start !== undefined && !(Number.isFinite(o.start) && o.start >= 0)) {
    throw new MmtokError('MMTOK_CONFIG', `option 'start' must be a non-negative number of seconds, got ${o.start}`);
  }
}

export function planFrames(info: VideoInfo, o: ReadFramesOptions): FramePlan {
  let width = o.width ?? info.width;
  let height = o.height ?? info.height;
  if (o.width && !o.height) height = Math.max(1, Math.round((info.height * o.width) / info.width));
  if (o.height && !o.width) width = Math.max(1, Math.round((info.width * o.height) / info.height));
  const fps = o.fps ?? info.fps;
  const resampled = info.variableFrameRate || (o.fps !== undefined && Math.abs(o.fps - info.fps) > 1e-6);
  return { width, height, fps, resampled, info };
}

function filters(plan: FramePlan): string {
  // Cropping to the probed size undoes the even-size padding of our own mp4s (a no-op otherwise).
  // RGB first: cropping 4:2:0 to an odd size would round it down to even.
  const f: string[] = ['format=rgb24', `crop=${plan.info.width}:${plan.info.height}:0:0`];
  if (plan.resampled) f.push(`fps=${plan.fps}`);
  if (plan.width !== plan.info.width || plan.height !== plan.info.height) {
    f.push(`scale=${plan.width}:${plan.height}:flags=bicubic`);
  }
  return f.join(',');
}

/**
 * Decodes a file's first video stream to RGB frames through an ffmpeg rgb24 pipe, yielding groups
 * of `groupSize` frames. Memory stays bounded: ffmpeg is paused by backpressure while a group is
 * not consumed. Variable-rate sources are resampled to a constant rate (the average, or `fps`).
 */
export async function* readFrames(path: string, options: ReadFramesOptions = {}): AsyncGenerator<FrameGroup> {
  checkReadOptions(options);
  const info = await probeVideo(path);
  yield* streamFrames(path, planFrames(info, options), options);
}

/** readFrames after probing: the tokenizer probes once and reuses the plan for its source facts. */
export async function* streamFrames(path: string, plan: FramePlan, o: ReadFramesOptions): AsyncGenerator<FrameGroup> {
  const groupSize = o.groupSize ?? 8;
  const { path: bin } = resolveFfmpeg();
  const { width: W, height: H } = plan;
  const args = ['-hide_banner', '-nostdin', '-v', 'error'];
  if (o.start) args.push('-ss', String(o.start));
  if (o.duration !== undefined) args.push('-t', String(o.duration));
  args.push('-i', ffmpegInputPath(path), '-map', '0:v:0', '-an', '-sn', '-dn');
  const vf = filters(plan);
  args.push('-vf', vf, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-fps_mode', plan.resampled ? 'cfr' : 'passthrough');
  args.push('pipe:1');
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  killOnInterrupt(child);
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    stderr = (stderr + s).slice(-16384);
  });
  const exited = new Promise<number | null>((res) => {
    child.on('close', (code) => res(code));
    child.on('error', () => res(-1));
  });
  const frameBytes = W * H * 3;
  let frames: Uint8Array[] = [];
  let current = new Uint8Array(frameBytes);
  let filled = 0;
  let index = 0;
  let finished = false;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      let at = 0;
      while (at < chunk.length) {
        const n = Math.min(frameBytes - filled, chunk.length - at);
        current.set(chunk.subarray(at, at + n), filled);
        filled += n;
        at += n;
        if (filled === frameBytes) {
          frames.push(current);
          current = new Uint8Array(frameBytes);
          filled = 0;
          if (frames.length === groupSize) {
            yield { frames, width: W, height: H, firstFrame: index };
            index += frames.length;
            frames = [];
          }
        }
      }
    }
    const code = await exited;
    if (code !== 0) throw videoInputError(path, stderr);
    if (frames.length) {
      yield { frames, width: W, height: H, firstFrame: index };
      index += frames.length;
    }
    if (index === 0) throw emptyVideo(path);
    finished = true;
  } finally {
    if (!finished && child.exitCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  }
}
