/**
 * The "Tokenize an image" view in real headless Chromium: the page runs @mmtok/image/browser on a
 * picked PNG; its tokens and PSNR must be exactly what Node computes for the same file.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DashboardServer, startDashboard } from '@mmtok/cli';
import { sha256Hex } from '@mmtok/core';
import { psnr } from '@mmtok/diagnostics';
import { loadTokenizer, readImage } from '@mmtok/image';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, launchChromium } from './browser.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const coffee = join(root, '../../packages/image/assets/samples/coffee.png');

// In CI a missing browser is a failure, not a skip (as in dashboard.e2e.test.ts).
describe.skipIf(!haveChromium && !process.env.CI)('tokenize view in headless Chromium', () => {
  let server: DashboardServer;
  let browser: Browser;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    server = await startDashboard({ reports: [] });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('gives the tokens and the PSNR that Node gives for the same image', async () => {
    const page = await browser.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${server.url}#/tokenize`);
    await page.getByTestId('tokenize-input').setInputFiles(coffee);
    const result = page.getByTestId('tokenize-result');
    await result.waitFor({ state: 'attached', timeout: 100_000 });

    // Node, same file, same (js) kernels.
    const tokenizer = await loadTokenizer('default', { backend: 'js' });
    const image = await readImage(coffee);
    const tokens = await tokenizer.encode(image);
    const decoded = await tokenizer.decode(tokens);
    const bytes = new Uint8Array(tokens.indices.buffer, tokens.indices.byteOffset, tokens.indices.byteLength);

    expect(await result.getAttribute('data-sha256')).toBe(await sha256Hex(bytes));
    expect(Number(await result.getAttribute('data-psnr'))).toBe(psnr(image.data, decoded.data));
    expect(Number(await result.getAttribute('data-ssim'))).toBeGreaterThan(0.5);
    await expect(result.locator('canvas').count()).resolves.toBe(3);
    expect(pageErrors).toEqual([]);
  });

  it('disables changing the tokenizer while a run is using it', async () => {
    const page = await browser.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    // The default tokenizer's weights are held back, so the run stays busy until they are let through.
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route(/\.safetensors$/, async (route) => {
      await held;
      await route.continue();
    });
    await page.goto(`${server.url}#/tokenize`);
    const pick = page.getByRole('button', { name: 'Pick an ONNX tokenizer…' });
    expect(await pick.isEnabled()).toBe(true);
    await page.getByTestId('tokenize-input').setInputFiles(coffee);
    await page.getByTestId('tokenize-busy').waitFor();
    expect(await pick.isDisabled()).toBe(true);
    release();
    await page.getByTestId('tokenize-result').waitFor({ state: 'attached', timeout: 100_000 });
    expect(await pick.isEnabled()).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});
