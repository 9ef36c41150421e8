/**
 * The dashboard in real headless Chromium (Debian's, driven by playwright-core), served by the CLI's
 * startDashboard with reports the CLI made from real encodes. Screenshots go to test-artifacts/;
 * bundle size and page-load time to bench-results/dashboard.json.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { type DashboardServer, exportDashboard, startDashboard } from '@mmtok/cli';
import { decodeTokenFile } from '@mmtok/core';
import { CodebookAccumulator } from '@mmtok/diagnostics';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fmtFixed, fmtMetric, fmtNumber, fmtPercent } from '../src/format.js';
import { CHROMIUM, haveChromium, launchChromium } from './browser.js';
import { type Fixtures, makeFixtures } from './fixtures.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const artifacts = join(root, 'test-artifacts');
/** Canvases and media in software-rendered Chromium on a busy machine take seconds; vitest polls 1 s by default. */
const POLL = { timeout: 15_000, interval: 100 };

/** Charts and tables render asynchronously: wait until `atLeast` elements match, then count them all. */
async function settledCount(locator: Locator, atLeast = 1): Promise<number> {
  await locator.nth(atLeast - 1).waitFor({ state: 'attached', timeout: 15_000 });
  return locator.count();
}

/** Distinct colours on a 2D canvas: 1 (a flat fill, or never drawn) means blank. */
async function colours(canvas: Locator): Promise<number> {
  return canvas.evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const seen = new Set<number>();
    for (let i = 0; i < d.length; i += 4)
      seen.add(((d[i] << 24) | (d[i + 1] << 16) | (d[i + 2] << 8) | d[i + 3]) >>> 0);
    return seen.size;
  });
}

// In CI a missing browser is a failure, not a skip: the suite must really run there.
if (process.env.CI && !haveChromium) {
  describe('dashboard e2e', () => {
    it('needs Debian chromium at /usr/bin/chromium (apt-get install chromium)', () => {
      expect.fail(`${CHROMIUM} is missing in CI`);
    });
  });
}

describe.skipIf(!haveChromium)('dashboard e2e in headless Chromium', () => {
  let dir: string;
  let fx: Fixtures;
  let server: DashboardServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  let loadMs = Number.NaN;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mmtok-dashboard-'));
    await mkdir(artifacts, { recursive: true });
    fx = await makeFixtures(dir);
    // Served as s0…s6, in this order: tests address them by those keys.
    server = await startDashboard({
      reports: [fx.reportA, fx.reportB, fx.malformed, fx.newer, fx.reportAudio, fx.reportVideo, fx.reportVideoFiles],
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function open(hash: string): Promise<void> {
    await page.goto(`${server.url}${hash}`);
    await page.waitForSelector('body[data-state="ready"]');
  }

  async function shown(testId: string): Promise<{ value: number; text: string }> {
    const el = page.getByTestId(testId);
    return { value: Number(await el.getAttribute('data-value')), text: (await el.textContent()) ?? '' };
  }

  it('loads, and shows the overview with the report numbers', async () => {
    await open('');
    loadMs = await page.evaluate(() => performance.getEntriesByName('mmtok-rendered')[0]?.startTime ?? Number.NaN);
    expect(loadMs).toBeGreaterThan(0);
    await expect(page.getByTestId('tokenizer-name').textContent()).resolves.toBe(fx.a.tokenizer.name);
    await expect(page.getByTestId('verdict').textContent()).resolves.toBe(fx.a.verdict!.status);
    for (const level of fx.a.codebook!.perLevel) {
      const u = await shown(`overview-utilization-${level.level}`);
      expect(u.value).toBe(level.utilization);
      expect(u.text).toBe(fmtPercent(level.utilization));
    }
    const psnr = await shown('aggregate-psnr-mean');
    expect(psnr.value).toBe(fx.a.metrics!.aggregate.psnr.mean);
    await page.screenshot({ path: join(artifacts, 'overview.png'), fullPage: true });
  });

  it('codebook view: utilization and perplexity per level equal the report, histograms drawn', async () => {
    await open('#/codebook/s0');
    for (const level of fx.a.codebook!.perLevel) {
      if (level.level > 0) await page.getByTestId(`level-${level.level}`).click();
      const u = await shown(`utilization-${level.level}`);
      const p = await shown(`perplexity-${level.level}`);
      expect(u.value).toBe(level.utilization);
      expect(u.text).toBe(fmtPercent(level.utilization));
      expect(p.value).toBe(level.perplexity);
      expect(p.text).toBe(fmtNumber(level.perplexity));
      expect((await shown(`dead-${level.level}`)).value).toBe(level.dead.count);
      await expect(settledCount(page.getByTestId(`hist-id-${level.level}`).locator('canvas'))).resolves.toBeGreaterThan(
        0,
      );
      await expect(
        settledCount(page.getByTestId(`hist-sorted-${level.level}`).locator('canvas')),
      ).resolves.toBeGreaterThan(0);
    }
    await page
      .getByTestId('level-0')
      .click()
      .catch(() => undefined);
    await page.screenshot({ path: join(artifacts, 'codebook.png'), fullPage: true });
  });

  it('codebook view of the trained FSQ tokenizer shows level occupancy', async () => {
    await open('#/codebook/s1');
    expect(fx.b.codebook!.structure?.type).toBe('fsq');
    await expect(settledCount(page.getByTestId('fsq-occupancy').locator('canvas'), 3)).resolves.toBe(3);
    expect((await shown('utilization-0')).value).toBe(fx.b.codebook!.perLevel[0].utilization);
    await page.screenshot({ path: join(artifacts, 'codebook-fsq.png'), fullPage: true });
  });

  it('reconstruction view: per-item PSNR equals the report, sorting works, images side by side with a difference', async () => {
    await open('#/reconstruction/s0');
    const rows = page.locator('[data-testid="items-table"] tbody tr');
    await expect(settledCount(rows, fx.a.metrics!.items.length)).resolves.toBe(fx.a.metrics!.items.length);
    for (const item of fx.a.metrics!.items) {
      const cell = page.locator(`tr[data-item="${item.id}"] td[data-metric="psnr"]`);
      expect(Number(await cell.getAttribute('data-value'))).toBe(item.values.psnr);
      await expect(cell.textContent()).resolves.toBe(fmtMetric('psnr', item.values.psnr));
    }
    // Default order: worst (lowest PSNR) first; clicking the header sorts ascending then descending.
    const order = async () =>
      rows.evaluateAll((trs) =>
        trs.map((tr) => Number(tr.querySelector('[data-metric="psnr"]')!.getAttribute('data-value'))),
      );
    const asc = [...fx.a.metrics!.items.map((i) => i.values.psnr!)].sort((x, y) => x - y);
    expect(await order()).toEqual(asc);
    await page.getByTestId('sort-psnr').click();
    await page.getByTestId('sort-psnr').click();
    expect(await order()).toEqual([...asc].reverse());
    // The selected (first) item's images and their difference.
    const diff = page.getByTestId('image-diff');
    await diff.locator('canvas').nth(2).waitFor();
    await expect(settledCount(diff.locator('canvas'), 3)).resolves.toBe(3);
    const selectedId = await page.getByTestId('media-title').textContent();
    const selected = fx.a.metrics!.items.find((i) => i.id === selectedId)!;
    const pagePsnr = Number(await page.getByTestId('page-psnr').getAttribute('data-value'));
    // The page recomputes PSNR from the PNGs it was served: the same pixels, so the same number.
    expect(Math.abs(pagePsnr - selected.values.psnr!)).toBeLessThan(0.01);
    await page.screenshot({ path: join(artifacts, 'reconstruction.png'), fullPage: true });
  });

  it('missing media: a clear message where the reconstruction would be', async () => {
    await open('#/reconstruction/s1');
    await page.locator(`tr[data-item="${fx.missingItem}"]`).click();
    const problem = page.getByTestId('image-diff').getByTestId('problem');
    await problem.first().waitFor();
    const text = await problem.first().textContent();
    expect(text).toContain('reconstructed image could not be loaded');
    expect(text).toContain('does-not-exist.png');
    // The original is still shown, alone: drawn at its size, no difference image, a note naming what is missing.
    const diff = page.getByTestId('image-diff');
    const original = diff.locator('canvas[aria-label="original"]');
    await original.waitFor();
    await expect.poll(() => colours(original), POLL).toBeGreaterThan(1);
    expect(await original.evaluate((c: HTMLCanvasElement) => [c.width, c.height])).toEqual([64, 48]);
    expect(await diff.locator('canvas').count()).toBe(1);
    expect(await diff.getByTestId('page-psnr').count()).toBe(0);
    const alone = diff.getByTestId('shown-alone');
    await expect(alone.getAttribute('data-missing')).resolves.toBe('reconstruction');
    await expect(alone.textContent()).resolves.toContain('Only the original is shown');
    await page.screenshot({ path: join(artifacts, 'missing-media.png'), fullPage: true });
  });

  it('audio report: every metric equals the report, both players load their clip, waveforms and spectrograms drawn', async () => {
    await open('#/reconstruction/s4');
    const item = fx.audio.metrics!.items[0];
    expect(Object.keys(item.values)).toEqual(expect.arrayContaining(['snr', 'siSdr']));
    for (const [name, value] of Object.entries(item.values)) {
      const cell = page.locator(`tr[data-item="${item.id}"] td[data-metric="${name}"]`);
      expect(Number(await cell.getAttribute('data-value'))).toBe(value);
      await expect(cell.textContent()).resolves.toBe(fmtMetric(name, value));
    }
    const view = page.getByTestId('audio-view');
    const { sampleRate, durationSeconds } = fx.audio.data;
    for (const label of ['original', 'reconstruction']) {
      // The clip's own rate and length, not those of the context that decoded it.
      const caption = view.getByTestId(`track-${label}`);
      await caption.waitFor();
      expect(Number(await caption.getAttribute('data-sample-rate'))).toBe(sampleRate);
      await expect(caption.textContent()).resolves.toContain(`${fmtFixed(durationSeconds, 2)} s at ${sampleRate} Hz`);
      const player = view.locator(`audio[aria-label="${label} audio"]`);
      await expect
        .poll(() => player.evaluate((a: HTMLAudioElement) => a.duration), POLL)
        .toBeCloseTo(durationSeconds!, 3);
      for (const drawing of ['waveform', 'spectrogram']) {
        await expect
          .poll(() => colours(view.locator(`canvas[aria-label="${label} ${drawing}"]`)), POLL)
          .toBeGreaterThan(1);
      }
    }
    await page.screenshot({ path: join(artifacts, 'audio.png'), fullPage: true });
  });

  it("video report: the worst frames with the report's PSNR/SSIM, their stills and differences drawn", async () => {
    await open('#/reconstruction/s5');
    const item = fx.video.metrics!.items[0];
    const worst = item.video!.worstFrames;
    const table = page.getByTestId('worst-frames');
    await expect(settledCount(table.locator('tbody tr'), worst.length)).resolves.toBe(worst.length);
    for (const w of worst) {
      for (const [name, value] of [
        ['psnr', w.psnr],
        ['ssim', w.ssim],
      ] as const) {
        const cell = table.locator(`tr[data-frame="${w.frame}"] td[data-metric="${name}"]`);
        expect(Number(await cell.getAttribute('data-value'))).toBe(value);
        await expect(cell.textContent()).resolves.toBe(fmtMetric(name, value));
      }
    }
    // Each still pair shown with its difference; PSNR measured on the stills is the report's for that frame.
    const frames = [...new Set(item.media!.map((m) => m.frame))];
    expect(frames.length).toBeGreaterThan(0);
    await expect(settledCount(page.getByTestId('frame-stills'), frames.length)).resolves.toBe(frames.length);
    for (const frame of frames) {
      const stills = page.locator(`[data-testid="frame-stills"][data-frame="${frame}"]`);
      await expect(settledCount(stills.locator('canvas'), 3)).resolves.toBe(3);
      for (let i = 0; i < 3; i++)
        await expect.poll(() => colours(stills.locator('canvas').nth(i)), POLL).toBeGreaterThan(1);
      const measured = Number(await stills.getByTestId('page-psnr').getAttribute('data-value'));
      const reported = worst.find((w) => w.frame === frame)!.psnr!;
      expect(Math.abs(measured - reported)).toBeLessThan(0.01);
    }
    await page.screenshot({ path: join(artifacts, 'video-frames.png'), fullPage: true });
  });

  it('video files: both clips load, the difference of the frame shown is drawn, seeking one seeks the other', async () => {
    await open('#/reconstruction/s6');
    const view = page.getByTestId('video-diff');
    const videos = view.locator('video');
    await expect(settledCount(videos, 2)).resolves.toBe(2);
    const v = fx.videoFiles.metrics!.items[0].video!;
    for (let i = 0; i < 2; i++) {
      await expect
        .poll(() => videos.nth(i).evaluate((e: HTMLVideoElement) => e.duration))
        .toBeCloseTo(v.frames / v.fps!, 1);
    }
    const difference = view.locator('canvas[aria-label="difference"]');
    await expect.poll(() => colours(difference), POLL).toBeGreaterThan(1);
    await videos.nth(0).evaluate((e: HTMLVideoElement) => {
      e.currentTime = 0.5;
    });
    await expect.poll(() => videos.nth(1).evaluate((e: HTMLVideoElement) => e.currentTime), POLL).toBeCloseTo(0.5, 2);
    expect(await view.getByTestId('problem').count()).toBe(0);
    // The report's worst frames are listed under the players too.
    const rows = page.getByTestId('worst-frames').locator('tbody tr');
    await expect(settledCount(rows, v.worstFrames.length)).resolves.toBe(v.worstFrames.length);
    await page.screenshot({ path: join(artifacts, 'video-files.png'), fullPage: true });
  });

  it('compare: default vs trained side by side', async () => {
    await open('#/compare/s0/s1');
    const table = page.getByTestId('compare-table');
    await table.waitFor();
    for (const [side, report] of [
      ['a', fx.a],
      ['b', fx.b],
    ] as const) {
      const u = table.locator(`tr[data-figure="utilization-0"] td[data-side="${side}"]`);
      expect(Number(await u.getAttribute('data-value'))).toBe(report.codebook!.perLevel[0].utilization);
      const m = table.locator(`tr[data-figure="mean-psnr"] td[data-side="${side}"]`);
      expect(Number(await m.getAttribute('data-value'))).toBe(report.metrics!.aggregate.psnr.mean);
    }
    await expect(settledCount(page.getByTestId('compare-usage').locator('canvas'))).resolves.toBeGreaterThan(0);
    await expect(settledCount(page.getByTestId('compare-items').locator('tbody tr'), 2)).resolves.toBe(2);
    // Swapping A and B through the pickers.
    await page.getByTestId('compare-a').selectOption('s1');
    await page.getByTestId('compare-b').selectOption('s0');
    const ua = table.locator('tr[data-figure="utilization-0"] td[data-side="a"]');
    await expect
      .poll(async () => Number(await ua.getAttribute('data-value')))
      .toBe(fx.b.codebook!.perLevel[0].utilization);
    await page.screenshot({ path: join(artifacts, 'compare.png'), fullPage: true });
  });

  it('malformed and newer-schema reports: a message, never a blank page', async () => {
    for (const view of ['overview', 'codebook', 'reconstruction']) {
      await open(`#/${view}/s2`);
      const p = page.getByTestId('problem');
      await expect(p.locator('.problem-title').textContent()).resolves.toContain('is not valid JSON');
      await open(`#/${view}/s3`);
      await expect(p.getAttribute('data-code')).resolves.toBe('MMTOK_REPORT_VERSION');
      await expect(p.textContent()).resolves.toContain('newer mmtok');
    }
    await page.screenshot({ path: join(artifacts, 'newer-schema.png'), fullPage: true });
  });

  it('token files opened in the page get codebook statistics computed there', async () => {
    await open('');
    await page.getByTestId('file-input').setInputFiles(fx.tokenFiles);
    await page.getByTestId('report-name').filter({ hasText: 'token files' }).waitFor();
    const acc = new CodebookAccumulator({
      codebookSize: fx.a.codebook!.codebookSize,
      levels: fx.a.codebook!.levels,
      allowDropped: true,
    });
    for (const f of fx.tokenFiles) {
      const t = decodeTokenFile(new Uint8Array(await readFile(f)));
      acc.update({ data: t.indices, shape: [t.indices.length / acc.levels, acc.levels] });
    }
    const want = acc.stats();
    await page.getByTestId('tab-codebook').click();
    expect((await shown('utilization-0')).value).toBe(want.perLevel[0].utilization);
    expect((await shown('perplexity-0')).value).toBe(want.perLevel[0].perplexity);
    // The same numbers the CLI's report has for the same images and tokenizer.
    expect(want.perLevel[0].counts).toEqual(fx.a.codebook!.perLevel[0].counts);
    await page.screenshot({ path: join(artifacts, 'token-files.png'), fullPage: true });
  });

  it('a report dropped onto the page opens; a malformed one says why', async () => {
    await open('');
    const drop = async (name: string, text: string) =>
      page.evaluate(
        ([n, t]) => {
          const dt = new DataTransfer();
          dt.items.add(new File([t], n, { type: 'application/json' }));
          window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
        },
        [name, text] as const,
      );
    await drop('dropped.json', await readFile(fx.reportB, 'utf8'));
    await page.getByTestId('report-name').filter({ hasText: 'dropped.json' }).waitFor();
    await expect(page.getByTestId('tokenizer-name').textContent()).resolves.toBe(fx.b.tokenizer.name);
    await drop('broken.json', '{ nope');
    await page.getByTestId('report-name').filter({ hasText: 'broken.json' }).waitFor();
    await expect(page.getByTestId('problem').textContent()).resolves.toContain('not valid JSON');
  });

  it('refuses paths outside what it was given, from the page and from Node', async () => {
    await open('');
    const fromPage = await page.evaluate(async (reportPath) => {
      const status = async (p: string) => (await fetch(p)).status;
      return {
        etc: await status('/etc/passwd'),
        reportOnDisk: await status(reportPath),
        encodedDots: await status('/api/media/0/0/..%2F..%2F..%2Fpackage.json'),
        dotSegments: await status('/api/media/%2e%2e/%2e%2e/package.json'),
        unknownMedia: await status('/api/media/0/99/x.png'),
        post: (await fetch('/api/reports.json', { method: 'POST', body: 'x' })).status,
      };
    }, fx.reportA);
    // The browser resolves %2e%2e itself (→ /package.json, not served: 404); %2F keeps the dots in one segment: 403.
    expect(fromPage).toEqual({
      etc: 404,
      reportOnDisk: 404,
      encodedDots: 403,
      dotSegments: 404,
      unknownMedia: 404,
      post: 405,
    });
    const raw = (path: string, host?: string) =>
      new Promise<number>((ok, fail) => {
        const u = new URL(server.url);
        const req = request({ host: u.hostname, port: u.port, path, headers: host ? { host } : {} }, (res) => {
          res.resume();
          ok(res.statusCode ?? 0);
        });
        req.on('error', fail);
        req.end();
      });
    expect(await raw('/api/media/0/0/../../../../../etc/passwd')).toBe(403);
    expect(await raw('/../package.json')).toBe(403);
    expect(await raw('/api/reports/0.json')).toBe(200);
    expect(await raw('/api/reports.json', 'evil.example:80')).toBe(403);
  });

  it('export writes a static copy that works from any static server', async () => {
    const out = join(dir, 'export');
    const res = await exportDashboard({ reports: [fx.reportA, fx.reportB], outDir: out });
    expect(res.reports).toBe(2);
    expect(res.missingMedia).toHaveLength(1);
    const index = JSON.parse(await readFile(join(out, 'api/reports.json'), 'utf8'));
    for (const entry of index.reports)
      for (const url of Object.keys(entry.media)) {
        if (!entry.media[url].includes('does-not-exist')) await stat(join(out, url));
      }
    expect((await readdir(out)).some((f) => f.includes('.tmp-'))).toBe(false);
    // Served by a plain static server, the copy opens the same reports.
    const { createServer } = await import('node:http');
    const srv = createServer(async (req, res) => {
      const p = join(out, decodeURIComponent((req.url ?? '/').split('?')[0]).replace(/\/$/, '/index.html'));
      try {
        const body = await readFile(p);
        res.writeHead(200, {
          'Content-Type': p.endsWith('.js')
            ? 'text/javascript'
            : p.endsWith('.html')
              ? 'text/html'
              : p.endsWith('.css')
                ? 'text/css'
                : 'application/octet-stream',
        });
        res.end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((ok) => srv.listen(0, '127.0.0.1', ok));
    try {
      const port = (srv.address() as { port: number }).port;
      await page.goto(`http://127.0.0.1:${port}/sub/../#/reconstruction/s0`);
      await page.waitForSelector('body[data-state="ready"]');
      await page.getByTestId('image-diff').locator('canvas').nth(2).waitFor();
      await page.screenshot({ path: join(artifacts, 'export.png'), fullPage: true });
    } finally {
      // Chromium keeps its connections alive; close() alone would wait on them forever.
      await page.goto('about:blank');
      const closed = new Promise((ok) => srv.close(ok));
      srv.closeAllConnections();
      await closed;
    }
  });

  it('renders without page errors; records bundle size and page-load time', async () => {
    expect(pageErrors).toEqual([]);
    const assets = join(root, 'dist/assets');
    let raw = 0;
    let gzip = 0;
    const files: Record<string, { raw: number; gzip: number }> = {};
    for (const f of await readdir(assets)) {
      const bytes = await readFile(join(assets, f));
      const g = gzipSync(bytes, { level: 9 }).length;
      files[f] = { raw: bytes.length, gzip: g };
      raw += bytes.length;
      gzip += g;
    }
    const result = {
      date: new Date().toISOString(),
      bundle: { rawBytes: raw, gzipBytes: gzip, files },
      pageLoadMs: loadMs,
      pageLoadDefinition:
        'navigation start → first report rendered (performance mark mmtok-rendered), headless Chromium, served by startDashboard on 127.0.0.1',
    };
    await mkdir(join(root, 'bench-results'), { recursive: true });
    await writeFile(join(root, 'bench-results/dashboard.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log(
      `dashboard bundle: ${(raw / 1024).toFixed(1)} KiB raw, ${(gzip / 1024).toFixed(1)} KiB gzip; page load ${loadMs.toFixed(0)} ms`,
    );
    expect(raw).toBeGreaterThan(0);
  });
});
