import { describe, expect, it } from 'vitest';
import { tubeletize, untubeletize } from '../src/tubelets.js';

const IDENTITY = { mean: [0, 0, 0], std: [1 / 255, 1 / 255, 1 / 255] };
/** ImageNet statistics: per-channel values, so a channel mix-up cannot cancel out. */
const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

describe('tubelets', () => {
  it('lays out each tubelet t, y, x, channel, normalizes per channel and pads by repeating the edge', () => {
    // 3×2 frames, P = 2: a 1×2 grid; the second tubelet's right column repeats x = 2.
    const w = 3;
    const h = 2;
    const pixel = (t: number, x: number, y: number, c: number) => 100 * t + 10 * (y * w + x) + c;
    const frames = [0, 1].map((t) =>
      Uint8Array.from({ length: w * h * 3 }, (_, i) => pixel(t, Math.floor(i / 3) % w, Math.floor(i / 3 / w), i % 3)),
    );
    const { rows, gridH, gridW } = tubeletize(frames, w, h, 2, IDENTITY);
    expect([gridH, gridW]).toEqual([1, 2]);
    const D = 2 * 2 * 2 * 3;
    expect(rows.length).toBe(2 * D);
    const at = (g: number, t: number, y: number, x: number, c: number) => rows[g * D + ((t * 2 + y) * 2 + x) * 3 + c];
    expect(at(0, 1, 1, 0, 2)).toBeCloseTo(pixel(1, 0, 1, 2), 4);
    expect(at(1, 0, 0, 0, 0)).toBeCloseTo(pixel(0, 2, 0, 0), 4);
    expect(at(1, 1, 1, 1, 1)).toBeCloseTo(pixel(1, 2, 1, 1), 4);
    // Normalized: (v/255 − mean)/std per channel.
    const n = tubeletize(frames, w, h, 2, IMAGENET).rows;
    for (const c of [0, 1, 2]) {
      expect(n[D + c]).toBeCloseTo((pixel(0, 2, 0, c) / 255 - IMAGENET.mean[c]) / IMAGENET.std[c], 5);
    }
  });

  for (const [w, h, P, T] of [
    [13, 9, 4, 3],
    [8, 8, 8, 1],
    [5, 17, 2, 4],
  ]) {
    it(`untubeletize inverts tubeletize exactly: ${w}×${h}, P=${P}, T=${T}`, () => {
      const frames = Array.from({ length: T }, () =>
        Uint8Array.from({ length: w * h * 3 }, () => Math.floor(Math.random() * 256)),
      );
      // The extremes, where clamping and rounding act.
      frames[0].set([0, 255, 0, 255, 0, 255]);
      const t = tubeletize(frames, w, h, P, IMAGENET);
      const back = untubeletize(t, T, P, w, h, IMAGENET);
      expect(back.length).toBe(T);
      for (let i = 0; i < T; i++) expect(Buffer.from(back[i]).equals(Buffer.from(frames[i])), `frame ${i}`).toBe(true);
    });
  }

  it('pads the bottom by repeating the last row', () => {
    // 1×3 frame (w=1, h=3), P = 2: the second tubelet's lower row repeats y = 2.
    const frame = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9);
    const { rows, gridH } = tubeletize([frame], 1, 3, 2, IDENTITY);
    expect(gridH).toBe(2);
    const second = Array.from(rows.subarray(12, 24), (v) => Math.round(v));
    expect(second).toEqual([7, 8, 9, 7, 8, 9, 7, 8, 9, 7, 8, 9]);
  });

  it('refuses a frame of the wrong byte length, naming the frame', () => {
    const ok = new Uint8Array(4 * 4 * 3);
    expect(() => tubeletize([ok, new Uint8Array(47)], 4, 4, 2, IDENTITY)).toThrow(
      /MMTOK_SHAPE: frame 1 has 47 bytes, need 48/,
    );
  });

  it('untubeletize rounds to nearest and clamps out-of-range values', () => {
    const rows = Float32Array.from([10.4, 10.6, -3, 300, 254.5, 0.49], (v) => v);
    const [frame] = untubeletize({ rows, gridH: 1, gridW: 2 }, 1, 1, 2, 1, IDENTITY);
    expect(Array.from(frame)).toEqual([10, 11, 0, 255, 255, 0]);
  });
});
