import { describe, expect, it } from 'vitest';
import { psnr, ssim, VideoMetricsAccumulator, videoMetrics } from '../src/index.js';
import { errorCode } from './helpers.js';

describe('video metrics', () => {
  const T = 5;
  const H = 16;
  const W = 20;
  const C = 3;
  const n = H * W * C;
  const ref = Float64Array.from({ length: T * n }, () => Math.random());
  const est = ref.map((v, i) => v + (Math.floor(i / n) === 3 ? 0.4 : 0.05) * (Math.random() - 0.5));

  it('per-frame values equal psnr/ssim of each frame; worst frame first', () => {
    const m = videoMetrics(
      { data: ref, shape: [T, H, W, C] },
      { data: est, shape: [T, H, W, C] },
      { dataRange: 1, worst: 2 },
    );
    expect(m.frames).toBe(T);
    for (let t = 0; t < T; t++) {
      const a = { data: ref.subarray(t * n, (t + 1) * n), shape: [H, W, C] };
      const b = { data: est.subarray(t * n, (t + 1) * n), shape: [H, W, C] };
      expect(m.psnr.perFrame[t]).toBeCloseTo(psnr(a, b, { dataRange: 1 }), 10);
      expect(m.ssim!.perFrame[t]).toBeCloseTo(ssim(a, b, { dataRange: 1 }), 10);
    }
    expect(m.worstFrames.length).toBe(2);
    expect(m.worstFrames[0].frame).toBe(3);
    expect(m.ssim!.min).toBe(m.worstFrames[0].ssim);
    expect(m.psnr.mean).toBeCloseTo(m.psnr.perFrame.reduce((a, b) => a + b, 0) / T, 12);
  });

  it('flicker is 0 for a constant offset and grows with temporal noise; null for one frame', () => {
    const shifted = ref.map((v) => v + 0.1);
    const m0 = videoMetrics(
      { data: ref, shape: [T, H, W, C] },
      { data: shifted, shape: [T, H, W, C] },
      { dataRange: 1, ssim: false },
    );
    expect(m0.flicker).toBeCloseTo(0, 12);
    expect(m0.ssim).toBeUndefined();
    const m1 = videoMetrics(
      { data: ref, shape: [T, H, W, C] },
      { data: est, shape: [T, H, W, C] },
      { dataRange: 1, ssim: false },
    );
    expect(m1.flicker!).toBeGreaterThan(0);
    const one = videoMetrics(
      { data: ref.subarray(0, n), shape: [1, H, W, C] },
      { data: est.subarray(0, n), shape: [1, H, W, C] },
      { dataRange: 1 },
    );
    expect(one.flicker).toBeNull();
  });

  it('flicker and PSNR on a hand-computed three-frame case', () => {
    // [T=3, H=1, W=2], range 10. Frame changes: reference (2, −4) then (0, 0); estimate (0, −1)
    // then (0, 0). Flicker = (|0 − 2| + |−1 + 4| + 0 + 0) / 4 values / 10 = 0.125.
    const m = videoMetrics(
      { data: [0, 10, 2, 6, 2, 6], shape: [3, 1, 2] },
      { data: [1, 10, 1, 9, 1, 9], shape: [3, 1, 2] },
      { dataRange: 10, ssim: false },
    );
    expect(m.flicker).toBeCloseTo(0.125, 12);
    // Frame 0: MSE (1 + 0)/2 → 10·log10(100/0.5); frames 1, 2: MSE (1 + 9)/2.
    expect(m.psnr.perFrame[0]).toBeCloseTo(10 * Math.log10(200), 10);
    expect(m.psnr.perFrame[2]).toBeCloseTo(10 * Math.log10(20), 10);
  });

  it('bad input gives stable codes', () => {
    expect(
      errorCode(() =>
        videoMetrics({ data: ref, shape: [T, H, W, C] }, { data: est, shape: [T, H, W * C] }, { dataRange: 1 }),
      ),
    ).toBe('MMTOK_SHAPE');
    expect(
      errorCode(() =>
        videoMetrics(
          { data: ref.subarray(0, n), shape: [H, W, C] },
          { data: est.subarray(0, n), shape: [H, W, C] },
          { dataRange: 1 },
        ),
      ),
    ).toBe('MMTOK_SHAPE');
    expect(
      errorCode(() => videoMetrics({ data: [], shape: [0, H, W] }, { data: [], shape: [0, H, W] }, { dataRange: 1 })),
    ).toBe('MMTOK_EMPTY');
  });

  it("the streaming accumulator gives videoMetrics' numbers frame by frame", () => {
    const a8 = Uint8Array.from({ length: T * n }, () => Math.floor(Math.random() * 256));
    const b8 = a8.map((v, i) => Math.max(0, v - (Math.floor(i / n) === 2 ? 60 : 3) * Math.random()));
    const whole = videoMetrics({ data: a8, shape: [T, H, W, C] }, { data: b8, shape: [T, H, W, C] }, { worst: 3 });
    const acc = new VideoMetricsAccumulator({ worst: 3 });
    for (let t = 0; t < T; t++) {
      const r = acc.add(
        { data: a8.subarray(t * n, (t + 1) * n), shape: [H, W, C] },
        { data: b8.subarray(t * n, (t + 1) * n), shape: [H, W, C] },
      );
      expect(r.frame).toBe(t);
      expect(r.psnr).toBeCloseTo(whole.psnr.perFrame[t], 10);
    }
    const m = acc.result();
    expect(m.worstFrames).toEqual(whole.worstFrames);
    expect(m.flicker!).toBeCloseTo(whole.flicker!, 12);
    expect(m.ssim!.mean).toBeCloseTo(whole.ssim!.mean, 12);
    expect(errorCode(() => new VideoMetricsAccumulator().result())).toBe('MMTOK_EMPTY');
  });
});
