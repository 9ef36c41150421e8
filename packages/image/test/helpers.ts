import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { psnr as psnrOf } from '@mmtok/diagnostics';
import type { RgbImage } from '../src/index.js';

export const SAMPLES = fileURLToPath(new URL('../assets/samples/', import.meta.url));

/** A random RGB image (fresh each run: properties must hold for any input). */
export function randomImage(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(Math.random() * 256);
  return { data, width, height, channels: 3 };
}

export function psnr(a: RgbImage, b: RgbImage): number {
  return psnrOf({ data: a.data, shape: [a.height, a.width, 3] }, { data: b.data, shape: [b.height, b.width, 3] });
}

export async function withTmp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'mmtok-image-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function expectCode(p: Promise<unknown> | (() => unknown), code: string): Promise<Error> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    const err = e as Error & { code?: string };
    if (err.code !== code) throw new Error(`expected ${code}, got ${err.code}: ${err.message}`);
    return err;
  }
  throw new Error(`expected ${code}, but nothing was thrown`);
}
