/**
 * Video metrics on a hand-computed three-frame clip: summaries, worst-frame order, the report item,
 * and the accumulator's refusals. Frames [1 × 2], range 10; per-frame MSE 0.5, 5, 5, so PSNR is
 * a + 10, a, a dB with a = 10·log10(20).
 */
import { describe, expect, it } from 'vitest';
import { ssim, summarize, VideoMetricsAccumulator, videoMetrics, videoReportItem } from '../src/index.js';
import { errorCode } from './helpers.js';

const ref = { data: [0, 10, 2, 6, 2, 6], shape: [3, 1, 2] };
const est = { data: [1, 10, 1, 9, 1, 9], shape: [3, 1, 2] };
const a = 10 * Math.log10(20);

describe('video metrics, closed forms', () => {
  it('summarize: mean, min, max and population std; refuses an empty list', () => {
    const s = summarize([3, 1, 2, 6]);
    expect(s).toEqual({ mean: 3, min: 1, max: 6, std: Math.sqrt((0 + 4 + 1 + 9) / 4) });
    expect(summarize([-2, -5])).toMatchObject({ min: -5, max: -2 });
    expect(summarize([5, Number.POSITIVE_INFINITY])).toMatchObject({ max: Number.POSITIVE_INFINITY, std: 0 });
    expect(errorCode(() => summarize([]))).toBe('MMTOK_EMPTY');
  });

  it('PSNR summary and worst frames (PSNR order, ties in frame order) without SSIM', () => {
    const m = videoMetrics(ref, est, { dataRange: 10, ssim: false, worst: 2 });
    expect(m.frames).toBe(3);
    expect(m.psnr.mean).toBeCloseTo(a + 10 / 3, 10);
    expect(m.psnr.min).toBeCloseTo(a, 10);
    expect(m.psnr.max).toBeCloseTo(a + 10, 10);
    expect(m.psnr.std).toBeCloseTo(Math.sqrt(600 / 27), 10);
    expect(m.ssim).toBeUndefined();
    expect(m.worstFrames).toEqual([
      { frame: 1, psnr: m.psnr.perFrame[1] },
      { frame: 2, psnr: m.psnr.perFrame[2] },
    ]);
  });

  it('with SSIM the worst frames are the lowest-SSIM ones, with both numbers', () => {
    // 12×12 gray frames: frame 1 loses its structure, frame 2 only gets brighter.
    const n = 144;
    const r = Array.from({ length: 3 * n }, (_, i) => (i * 37) % 251);
    const e = r.map((v, i) => (i < n ? v : i < 2 * n ? 128 : Math.min(255, v + 20)));
    const m = videoMetrics({ data: r, shape: [3, 12, 12] }, { data: e, shape: [3, 12, 12] }, { dataRange: 255 });
    const frame = (d: number[], t: number) => ({ data: d.slice(t * n, (t + 1) * n), shape: [12, 12] });
    const ssims = [0, 1, 2].map((t) => ssim(frame(r, t), frame(e, t), { dataRange: 255 }));
    const order = [0, 1, 2].sort((i, j) => ssims[i] - ssims[j]);
    expect(m.worstFrames.map((w) => w.frame)).toEqual(order);
    expect(m.worstFrames[0]).toEqual({ frame: order[0], psnr: m.psnr.perFrame[order[0]], ssim: ssims[order[0]] });
    expect(m.ssim!.min).toBeCloseTo(Math.min(...ssims), 12);
  });

  it('videoReportItem: the aggregate values and the video summary', () => {
    const m = videoMetrics(ref, est, { dataRange: 10, ssim: false, worst: 1 });
    const { values, video } = videoReportItem(m, { fps: 12 });
    expect(values).toEqual({ psnr: m.psnr.mean, psnrMin: m.psnr.min, flicker: 0.125 });
    expect(video).toEqual({
      frames: 3,
      fps: 12,
      psnr: { mean: m.psnr.mean, min: m.psnr.min, max: m.psnr.max, std: m.psnr.std },
      flicker: 0.125,
      worstFrames: [{ frame: 1, psnr: m.psnr.perFrame[1] }],
    });
    expect(videoReportItem(m).video).not.toHaveProperty('fps');
    // Identical frames: infinite PSNR is left out of the means and reported as null.
    const same = videoReportItem(videoMetrics(ref, ref, { dataRange: 10, ssim: false, worst: 1 }));
    expect(same.values).toEqual({ psnr: null, psnrMin: null, flicker: 0 });
    expect(same.video.worstFrames).toEqual([{ frame: 0, psnr: null }]);
    expect(same.video.psnr).toEqual({ mean: null, min: null, max: null, std: null });
    const m2 = videoMetrics(ref, est, { dataRange: 10, ssim: true, worst: 1, sigma: 0.1 });
    const withSsim = videoReportItem(m2);
    expect(Object.keys(withSsim.values)).toEqual(['psnr', 'psnrMin', 'ssim', 'ssimMin', 'flicker']);
    expect(withSsim.video.ssim).toEqual({
      mean: m2.ssim!.mean,
      min: m2.ssim!.min,
      max: m2.ssim!.max,
      std: m2.ssim!.std,
    });
    expect(withSsim.video.worstFrames[0]).toHaveProperty('ssim');
  });

  it('the accumulator: frame pairs one by one, and what it refuses', () => {
    const acc = new VideoMetricsAccumulator({ dataRange: 10, ssim: false });
    expect(errorCode(() => acc.result())).toBe('MMTOK_EMPTY');
    expect(acc.add({ data: [0, 10], shape: [1, 2] }, { data: [1, 10], shape: [1, 2] })).toEqual({
      frame: 0,
      psnr: a + 10,
    });
    expect(acc.frames).toBe(1);
    expect(errorCode(() => acc.add({ data: [0, 10], shape: [1, 2] }, { data: [1, 10, 3], shape: [1, 3] }))).toBe(
      'MMTOK_SHAPE',
    );
    expect(errorCode(() => acc.add({ data: [0, 1, 2], shape: [1, 3] }, { data: [0, 1, 2], shape: [1, 3] }))).toBe(
      'MMTOK_SHAPE',
    );
    expect(errorCode(() => acc.add({ data: [0, 1], shape: [1, 1, 1, 2] }, { data: [0, 1], shape: [1, 1, 1, 2] }))).toBe(
      'MMTOK_SHAPE',
    );
    expect(
      errorCode(() => videoMetrics({ data: [0, 1], shape: [1, 2] }, { data: [0, 1], shape: [1, 2] }, { dataRange: 1 })),
    ).toBe('MMTOK_SHAPE');
    acc.add({ data: [2, 6], shape: [1, 2, 1] }, { data: [1, 9], shape: [1, 2, 1] });
    expect(acc.result()).toMatchObject({ frames: 2, flicker: 5 / 2 / 10 });
  });
});
