import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import type { AudioBuffer } from '../src/types.js';

/** A temp folder removed after the file's tests. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mmtok-audio-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A few harmonics plus a little noise: speech-band content at `sampleRate`. */
export function tone(sampleRate: number, seconds: number, channels = 1, seed = Math.random()): AudioBuffer {
  const n = Math.round(sampleRate * seconds);
  const data = new Float32Array(channels * n);
  let s = Math.floor(seed * 2 ** 31) || 1;
  const rnd = () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff - 0.5;
  };
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < n; i++) {
      const t = i / sampleRate;
      data[c * n + i] =
        0.3 * Math.sin(2 * Math.PI * (220 + 30 * c) * t) + 0.15 * Math.sin(2 * Math.PI * 660 * t) + 0.02 * rnd();
    }
  }
  return { data, channels, sampleRate, length: n };
}

export async function errorCode(p: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}
