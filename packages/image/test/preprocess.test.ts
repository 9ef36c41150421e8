import { describe, expect, it } from 'vitest';
import {
  applyResize,
  cropTensor,
  denormalize,
  normalize,
  padToMultiple,
  patchify,
  undoResize,
  unpatchify,
} from '../src/index.js';
import { psnr, randomImage } from './helpers.js';

const norm = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

describe('preprocessing', () => {
  it('normalize → denormalize is the identity on 8-bit images', () => {
    const img = randomImage(13, 7);
    const t = normalize(img, norm);
    expect(t.shape).toEqual([1, 3, 7, 13]);
    expect(t.data[0]).toBeCloseTo((img.data[0] / 255 - 0.485) / 0.229, 5);
    expect(Buffer.from(denormalize(t, norm).data).equals(Buffer.from(img.data))).toBe(true);
  });

  it('patchify → unpatchify round-trips, patches are P×P×C row-major over the grid', () => {
    for (const P of [1, 2, 4, 8]) {
      const h = 1 + Math.floor(Math.random() * 40);
      const w = 1 + Math.floor(Math.random() * 40);
      const t = normalize(randomImage(w, h), norm);
      const padded = padToMultiple(t, P);
      expect(padded.shape[2] % P).toBe(0);
      expect(padded.shape[3] % P).toBe(0);
      const p = patchify(padded, P);
      expect([p.gridH, p.gridW]).toEqual([padded.shape[2] / P, padded.shape[3] / P]);
      // Patch (0, 1), pixel (py=0, px=0), channel 2.
      if (p.gridW > 1) {
        const plane = padded.shape[2] * padded.shape[3];
        expect(p.data[P * P * 3 + 2]).toBe(padded.data[2 * plane + P]);
      }
      const back = cropTensor(unpatchify(p), h, w);
      expect(back.shape).toEqual(t.shape);
      expect(back.data).toEqual(t.data);
    }
  });

  it('edge padding repeats the last row and column', () => {
    const t = normalize(randomImage(3, 2), norm);
    const p = padToMultiple(t, 4);
    expect(p.shape).toEqual([1, 3, 4, 4]);
    expect(p.data[3 * 4 + 3]).toBe(t.data[1 * 3 + 2]);
    const z = padToMultiple(t, 4, 'zero');
    expect(z.data[3 * 4 + 3]).toBe(0);
  });

  it('resize policies produce their frame and map back', async () => {
    const img = randomImage(60, 40);
    const none = await applyResize(img, { mode: 'none' });
    expect(none.frame).toBe(img);

    const exact = await applyResize(img, { mode: 'exact', width: 32, height: 32 });
    expect([exact.frame.width, exact.frame.height]).toEqual([32, 32]);
    const back = await undoResize(exact.frame, exact.geometry);
    expect([back.width, back.height]).toEqual([60, 40]);

    const crop = await applyResize(img, { mode: 'shorter-side-crop', size: 20 });
    expect([crop.frame.width, crop.frame.height]).toEqual([20, 20]);
    expect(crop.geometry.sourceRect).toEqual({ left: 10, top: 0, width: 40, height: 40 });

    const pad = await applyResize(img, { mode: 'pad', size: 30, fill: [1, 2, 3] });
    expect([pad.frame.width, pad.frame.height]).toEqual([30, 30]);
    expect(pad.geometry.content).toEqual({ left: 0, top: 5, width: 30, height: 20 });
    expect(Array.from(pad.frame.data.subarray(0, 3))).toEqual([1, 2, 3]);
    const unpadded = await undoResize(pad.frame, pad.geometry);
    expect([unpadded.width, unpadded.height]).toEqual([60, 40]);

    // Downscale then upscale of a smooth image comes back close.
    const smooth = randomImage(64, 64);
    smooth.data.fill(100);
    const s = await applyResize(smooth, { mode: 'pad', size: 32 });
    expect(psnr(smooth, await undoResize(s.frame, s.geometry))).toBeGreaterThan(40);
  });
});
