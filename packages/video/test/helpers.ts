import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FrameGroup } from '../src/types.js';

export const tmp = (): string => mkdtempSync(join(tmpdir(), 'mmtok-video-test-'));

/** Runs ffmpeg quietly with the given args (inputs/outputs included). */
export function ff(args: string[]): void {
  execFileSync('ffmpeg', ['-hide_banner', '-v', 'error', '-y', ...args]);
}

/** A lavfi testsrc2 clip of n frames. */
export function clip(path: string, w: number, h: number, fps: number, frames: number, extra: string[] = []): string {
  // .nut clips are raw RGB (any size, lossless); others H.264 4:2:0.
  const codec = path.endsWith('.nut') ? ['-c:v', 'rawvideo', '-pix_fmt', 'rgb24'] : ['-pix_fmt', 'yuv420p'];
  // testsrc2 rounds odd sizes down to even: make it larger, convert to RGB, then crop.
  const graph = `testsrc2=s=${w + (w % 2)}x${h + (h % 2)}:r=${fps},format=rgb24,crop=${w}:${h}:0:0`;
  ff(['-f', 'lavfi', '-i', graph, ...extra, '-frames:v', String(frames), ...codec, path]);
  return path;
}

export async function collect(
  it: AsyncIterable<FrameGroup>,
): Promise<{ frames: Uint8Array[]; width: number; height: number }> {
  const frames: Uint8Array[] = [];
  let width = 0;
  let height = 0;
  for await (const g of it) {
    frames.push(...g.frames);
    width = g.width;
    height = g.height;
  }
  return { frames, width, height };
}

export function meanAbs(a: Uint8Array, b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}
