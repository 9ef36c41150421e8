import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  codebookStats,
  createReport,
  type DiagnosticsReport,
  parseReport,
  rateFigures,
  renderReportHtml,
  reportJsonSchema,
  serializeReport,
  videoMetrics,
  videoReportItem,
  worstItems,
} from '../src/index.js';
import { errorCode } from './helpers.js';

function sampleReport(): DiagnosticsReport {
  const K = 64;
  const data = Int32Array.from({ length: 2000 }, (_, i) => (i % 2 ? 5 : Math.floor(Math.random() * K)));
  return createReport({
    tokenizer: {
      name: 'toy <img> & "co"',
      version: '0.1.0',
      modality: 'image',
      quantizer: { type: 'rvq', codebookSize: K, levels: 2 },
    },
    data: { name: 'random', items: 3, tokens: 2000 },
    rate: rateFigures({ codebookSize: K, levels: 2, positionsPerImage: 256, pixelsPerImage: 65536 }),
    codebook: codebookStats({ data, shape: [1000, 2] }, { codebookSize: K, levels: 2 }),
    items: [
      { id: 'a', values: { psnr: 30, ssim: 0.9 } },
      { id: '<script>alert(1)</script>', values: { psnr: 20, ssim: 0.7 } },
      { id: 'same', values: { psnr: Number.POSITIVE_INFINITY, ssim: 1 } },
    ],
    history: [
      { step: 0, values: { loss: 2 } },
      { step: 100, values: { loss: 1 } },
    ],
  });
}

describe('report JSON', () => {
  it('round-trips through serialize/parse; non-finite values become null and are not aggregated', () => {
    const r = sampleReport();
    expect(r.schemaVersion).toBe(1);
    const back = parseReport(serializeReport(r));
    expect(back).toEqual(r);
    expect(r.metrics!.items[2].values.psnr).toBeNull();
    expect(r.metrics!.aggregate.psnr).toMatchObject({ count: 2, nonFinite: 1, mean: 25, min: 20, max: 30 });
    expect(r.metrics!.primary).toBe('psnr');
    expect(r.verdict?.status).toBe('collapsed'); // level 1 is always code 5
    expect(worstItems(r).map((i) => i.id)).toEqual(['<script>alert(1)</script>', 'a', 'same']);
  });

  it('rate figures: log2 K × levels × frame rate', () => {
    expect(rateFigures({ codebookSize: 1024, levels: 8, frameRate: 75 }).bitsPerSecond).toBe(6000);
    expect(rateFigures({ codebookSize: 1024, levels: 8, frameRate: 75 }).tokensPerSecond).toBe(600);
    const img = rateFigures({ codebookSize: 16384, positionsPerImage: 256, pixelsPerImage: 256 * 256 });
    expect(img).toMatchObject({ tokensPerImage: 256, bitsPerImage: 256 * 14, bitsPerPixel: (256 * 14) / 65536 });
    expect(rateFigures({ codebookSize: [1024, 256], frameRate: 10 }).bitsPerSecond).toBe(180);
    expect(errorCode(() => rateFigures({ codebookSize: [4, 4], levels: 3 }))).toBe('MMTOK_CONFIG');
    expect(errorCode(() => rateFigures({ codebookSize: 4, frameRate: -1 }))).toBe('MMTOK_CONFIG');
  });

  it('another schema version → MMTOK_REPORT_VERSION; malformed → MMTOK_REPORT_INVALID', () => {
    const r = JSON.parse(serializeReport(sampleReport()));
    expect(errorCode(() => parseReport({ ...r, schemaVersion: 2 }))).toBe('MMTOK_REPORT_VERSION');
    expect(errorCode(() => parseReport({ ...r, schemaVersion: 0 }))).toBe('MMTOK_REPORT_VERSION');
    expect(errorCode(() => parseReport({ ...r, schemaVersion: '1' }))).toBe('MMTOK_REPORT_VERSION');
    expect(errorCode(() => parseReport('{not json'))).toBe('MMTOK_REPORT_INVALID');
    expect(errorCode(() => parseReport([]))).toBe('MMTOK_REPORT_INVALID');
    expect(errorCode(() => parseReport({ tokenizer: { name: 'x' }, data: { items: 1 } }))).toBe('MMTOK_REPORT_INVALID');
    const { tokenizer: _t, ...noTokenizer } = r;
    expect(() => parseReport(noTokenizer)).toThrow(/report\.tokenizer is missing/);
    const badLevel = structuredClone(r);
    badLevel.codebook.perLevel[1].utilization = 'high';
    expect(() => parseReport(badLevel)).toThrow(/report\.codebook\.perLevel\[1\]\.utilization must be number/);
    const badMetric = structuredClone(r);
    badMetric.metrics.items[0].values.psnr = 'x';
    expect(errorCode(() => parseReport(badMetric))).toBe('MMTOK_REPORT_INVALID');
    const badStatus = structuredClone(r);
    badStatus.verdict.status = 'fine';
    expect(errorCode(() => parseReport(badStatus))).toBe('MMTOK_REPORT_INVALID');
  });

  it('docs/report-schema.json is the exported schema', () => {
    const doc = JSON.parse(readFileSync(new URL('../../../docs/report-schema.json', import.meta.url), 'utf8'));
    expect(doc).toEqual(JSON.parse(JSON.stringify(reportJsonSchema)));
  });
});

describe('HTML report', () => {
  it('is one self-contained page with escaped strings, SVG histograms and worst items first', () => {
    const html = renderReportHtml(sampleReport());
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(html).toContain('toy &#60;img&#62; &#38; &#34;co&#34;');
    expect(html).not.toMatch(/<(link|img|iframe)\b|src=|href=/);
    expect((html.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(4);
    expect(html).toContain('STUCK_LEVEL');
    const rows = html.slice(html.indexOf('Items, worst first'));
    expect(rows.indexOf('alert(1)')).toBeLessThan(rows.indexOf('<td>a</td>'));
  });

  it('renders a minimal report', () => {
    const r = createReport({ tokenizer: { name: 'x' }, data: { items: 0 } });
    expect(renderReportHtml(r)).toContain('<h1>mmtok report — x</h1>');
  });

  it('embeds item media as players (data: URIs only) and keeps them through parseReport', () => {
    const wav = 'data:audio/wav;base64,UklGRg==';
    const r = createReport({
      tokenizer: { name: 'a', modality: 'audio' },
      data: { items: 1 },
      items: [
        {
          id: 'clip"1',
          values: { siSdr: 9 },
          media: [
            { label: 'original', mime: 'audio/wav', src: wav },
            { label: 'evil', mime: 'audio/wav', src: 'https://example.com/x.wav' },
          ],
        },
      ],
    });
    expect(parseReport(JSON.parse(serializeReport(r))).metrics?.items[0].media?.[0].label).toBe('original');
    const html = renderReportHtml(r);
    expect(html).toContain(`<audio controls preload="none" src="${wav}"></audio>`);
    expect(html).not.toContain('example.com');
    expect(html).toContain('clip&#34;1');
    const bad = structuredClone(r) as unknown as { metrics: { items: { media: unknown[] }[] } };
    bad.metrics.items[0].media = [{ label: 'x' }];
    expect(errorCode(() => parseReport(bad))).toBe('MMTOK_REPORT_INVALID');
  });

  it('a video item carries per-frame summaries and worst frames; the HTML pairs their stills', () => {
    const [T, H, W] = [6, 12, 12];
    const n = H * W * 3;
    const ref = Uint8Array.from({ length: T * n }, () => Math.floor(Math.random() * 256));
    const est = ref.map((v, i) => Math.min(255, v + (Math.floor(i / n) === 4 ? 40 : 2) * Math.random()));
    // Frame 0 is exact: its PSNR is infinite and must not poison the summary.
    est.set(ref.subarray(0, n), 0);
    const m = videoMetrics({ data: ref, shape: [T, H, W, 3] }, { data: est, shape: [T, H, W, 3] }, { worst: 2 });
    const item = videoReportItem(m, { fps: 25 });
    expect(item.values.psnrMin).toBeCloseTo(Math.min(...m.psnr.perFrame), 10);
    expect(Number.isFinite(item.values.psnr)).toBe(true);
    expect(item.video.worstFrames[0].frame).toBe(4);
    const png = 'data:image/png;base64,iVBORw0KGgo=';
    const jpg = 'data:image/jpeg;base64,/9j/4AAQ';
    const r = createReport({
      tokenizer: { name: 'v', modality: 'video' },
      data: { items: 1, frameRate: 25 },
      items: [
        {
          id: 'clip.mp4',
          ...item,
          media: [
            { label: 'original · frame 4', mime: 'image/png', src: png, frame: 4 },
            { label: 'reconstruction · frame 4', mime: 'image/jpeg', src: jpg, frame: 4 },
          ],
        },
      ],
    });
    const back = parseReport(JSON.parse(serializeReport(r)));
    const v = back.metrics!.items[0].video!;
    expect(v.frames).toBe(T);
    expect(v.fps).toBe(25);
    expect(v.worstFrames.map((w) => w.frame)).toEqual(item.video.worstFrames.map((w) => w.frame));
    expect(back.metrics!.items[0].media![1].frame).toBe(4);
    expect(back.metrics!.higherIsBetter.flicker).toBe(false);
    expect(back.metrics!.higherIsBetter.psnrMin).toBe(true);
    const html = renderReportHtml(r);
    expect(html).toContain('Video: worst frames');
    expect(html).toMatch(/frame 4 \(0\.16 s\): PSNR/);
    expect(html).toMatch(/<div class="media-row frame-pair">.*original · frame 4.*reconstruction · frame 4/s);
    // Paired stills are not repeated in the generic media section.
    expect(html).not.toContain('Listen and compare');
    const bad = structuredClone(back) as unknown as { metrics: { items: { video: { frames: unknown } }[] } };
    bad.metrics.items[0].video.frames = -1;
    expect(errorCode(() => parseReport(bad))).toBe('MMTOK_REPORT_INVALID');
  });
});
