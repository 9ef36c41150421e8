/**
 * Reconstruction floors on a fixed clip (lossless testsrc2, so the frames are the same on every
 * machine): a wrong line in tubelet layout, normalization or colour order drops PSNR well below them.
 */
import { join } from 'node:path';
import { videoMetrics } from '@mmtok/diagnostics';
import { describe, expect, it } from 'vitest';
import { readFrames } from '../src/frames.js';
import { loadVideoTokenizer } from '../src/index.js';
import { clip, collect, tmp } from './helpers.js';

const dir = tmp();
const W = 64;
const H = 48;
const src = clip(join(dir, 'src.nut'), W, H, 12, 9);

async function psnrOf(name: 'default' | 'per-frame') {
  const tok = await loadVideoTokenizer(name);
  const original = await collect(readFrames(src));
  const back = await collect(tok.decode(await tok.encode(src)));
  expect(back.frames.length).toBe(original.frames.length);
  const stack = (frames: Uint8Array[]) => ({
    data: Uint8Array.from(frames.flatMap((f) => Array.from(f))),
    shape: [frames.length, H, W, 3],
  });
  const m = videoMetrics(stack(original.frames), stack(back.frames), { dataRange: 255, ssim: false });
  console.log(`quality-floor: ${name} PSNR mean ${m.psnr.mean.toFixed(2)} dB, min ${m.psnr.min.toFixed(2)} dB`);
  return m.psnr;
}

describe('video reconstruction floors', () => {
  // Measured 15.83 / 15.66 dB (mean / worst frame) for the default, 15.21 / 15.11 dB per-frame.
  it('the tubelet default stays above 14.5 dB (worst frame 14 dB)', async () => {
    const p = await psnrOf('default');
    expect(p.mean).toBeGreaterThan(14.5);
    expect(p.min).toBeGreaterThan(14);
  });
  it('per-frame stays above 14 dB (worst frame 13.5 dB)', async () => {
    const p = await psnrOf('per-frame');
    expect(p.mean).toBeGreaterThan(14);
    expect(p.min).toBeGreaterThan(13.5);
  });
});
