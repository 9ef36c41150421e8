/**
 * The "Tokenize an image" view with an ONNX tokenizer, in real headless Chromium: the user picks the
 * parity fixture's manifest and models, the page runs them on onnxruntime-web (wasm) and must give
 * the tokens Node gives on onnxruntime-node for the same pixels, and its PSNR within 0.01 dB; a bad
 * manifest is refused in the page with Node's MMTOK_ code.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DashboardServer, startDashboard } from '@mmtok/cli';
import { sha256Hex } from '@mmtok/core';
import { psnr } from '@mmtok/diagnostics';
import { loadTokenizer, readImage, validateManifest } from '@mmtok/image';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, launchChromium } from './browser.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = join(root, '../../packages/image/test/fixtures/onnx');
const coffee = join(fixtures, 'coffee.png');
const files = (variant: string) =>
  [`${variant}.manifest.json`, `${variant}.encoder.onnx`, `${variant}.decoder.onnx`].map((f) => join(fixtures, f));
// Page and Node decoders differ only by float rounding (wasm vs native kernels).
const PSNR_TOLERANCE_DB = 0.01;

describe.skipIf(!haveChromium && !process.env.CI)('tokenize view with an ONNX tokenizer in headless Chromium', () => {
  let server: DashboardServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    server = await startDashboard({ reports: [] });
    browser = await launchChromium();
    page = await browser.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`${server.url}#/tokenize`);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("gives onnxruntime-node's tokens, and its PSNR within 0.01 dB, for the same image", async () => {
    await page.getByTestId('tokenizer-files').setInputFiles(files('fsq'));
    await page.locator('[data-testid=tokenizer-choice][data-name=onnx-parity-fsq]').waitFor({ timeout: 60_000 });
    await page.getByTestId('tokenize-input').setInputFiles(coffee);
    const result = page.getByTestId('tokenize-result');
    await result.waitFor({ state: 'attached', timeout: 60_000 });

    const tokenizer = await loadTokenizer(join(fixtures, 'fsq.manifest.json'), { backend: 'js' });
    const image = await readImage(coffee);
    const tokens = await tokenizer.encode(image);
    const decoded = await tokenizer.decode(tokens);
    await tokenizer.dispose();
    const bytes = new Uint8Array(tokens.indices.buffer, tokens.indices.byteOffset, tokens.indices.byteLength);

    expect(await result.getAttribute('data-sha256')).toBe(await sha256Hex(bytes));
    // And PyTorch's tokens for this image (the parity fixture's expected.json, made by fixtures-src/make_onnx_fixture.py).
    const expected = JSON.parse(await readFile(join(fixtures, 'expected.json'), 'utf8'));
    const pytorch = Int32Array.from(expected.variants.fsq.images['coffee.png'].tokens as number[]);
    expect(await result.getAttribute('data-sha256')).toBe(await sha256Hex(new Uint8Array(pytorch.buffer)));
    const nodePsnr = psnr(image.data, decoded.data);
    const pagePsnr = Number(await result.getAttribute('data-psnr'));
    console.log(`[tokenize-onnx] PSNR page ${pagePsnr} dB, Node ${nodePsnr} dB`);
    expect(Math.abs(pagePsnr - nodePsnr)).toBeLessThanOrEqual(PSNR_TOLERANCE_DB);
    await expect(result.locator('canvas').count()).resolves.toBe(3);
    // A run with a picked tokenizer never loads the default one (its weights are .safetensors files).
    expect(requests.filter((u) => u.includes('.safetensors'))).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('refuses a bad manifest with the MMTOK_ code and key Node gives', async () => {
    const bad = JSON.parse(await readFile(join(fixtures, 'fsq.manifest.json'), 'utf8'));
    bad.preprocessing.sizeMultiple = 0;
    let nodeError: { code?: string; details?: { key?: string } } = {};
    try {
      validateManifest(bad, 'manifest.json');
    } catch (e) {
      nodeError = e as typeof nodeError;
    }
    expect(nodeError.code).toBe('MMTOK_MANIFEST');
    await page.getByTestId('tokenizer-files').setInputFiles([
      { name: 'manifest.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(bad)) },
      ...(await Promise.all(
        files('fsq')
          .slice(1)
          .map(async (f) => ({ name: basename(f), mimeType: 'application/octet-stream', buffer: await readFile(f) })),
      )),
    ]);
    const problem = page.getByTestId('problem');
    await problem.waitFor({ timeout: 30_000 });
    expect(await problem.getAttribute('data-code')).toBe(nodeError.code);
    expect(await problem.textContent()).toContain(nodeError.details?.key);
  });
});
