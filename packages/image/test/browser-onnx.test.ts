/**
 * The browser entry's ONNX path run in Node on onnxruntime-web (its wasm build): same validation,
 * identity and tokens as Node's loadTokenizer on onnxruntime-node, and PyTorch's tokens from the
 * parity fixture. The Chromium run is apps/dashboard's tokenize-onnx e2e test.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTokenizer as loadInBrowser, type TokenizerBytes } from '../src/browser.js';
import { fetchBounded } from '../src/fetch-tokenizer.js';
import { type ImageTokenizer, loadTokenizer, readImage, readManifest } from '../src/index.js';
import { expectCode, withTmp } from './helpers.js';

const dir = fileURLToPath(new URL('fixtures/onnx/', import.meta.url));
const expected = JSON.parse(await readFile(join(dir, 'expected.json'), 'utf8')) as {
  variants: Record<string, { images: Record<string, { tokens: number[] } | { sameAs: string }> }>;
};
const fromDisk = async (url: URL) => new Response(await readFile(url));
const runtime = () => import('onnxruntime-web');
const opened: ImageTokenizer[] = [];
afterAll(async () => {
  for (const t of opened) await t.dispose();
});

async function bytesOf(variant: string): Promise<TokenizerBytes> {
  const manifest = await readFile(join(dir, `${variant}.manifest.json`));
  const files: Record<string, Uint8Array> = {};
  for (const f of [`${variant}.encoder.onnx`, `${variant}.decoder.onnx`, `${variant}.safetensors`]) {
    files[f] = await readFile(join(dir, f)).catch(() => new Uint8Array(0));
  }
  return { manifest, files, name: `${variant}.manifest.json` };
}

function pytorchTokens(variant: string, image: string): number[] {
  const e = expected.variants[variant].images[image];
  return 'sameAs' in e ? pytorchTokens(e.sameAs, image) : e.tokens;
}

describe('@mmtok/image/browser ONNX tokenizers on onnxruntime-web', () => {
  for (const variant of ['fsq', 'rvq']) {
    it(`${variant}: identity, tokens and reconstruction of onnxruntime-node (tokens = PyTorch's)`, async () => {
      const web = await loadInBrowser(await bytesOf(variant), { runtime, backend: 'js' });
      const node = await loadTokenizer(join(dir, `${variant}.manifest.json`), { backend: 'js' });
      opened.push(web, node);
      expect(web.identity).toEqual(node.identity);
      for (const name of ['coffee.png', 'rocket.png']) {
        const image = await readImage(join(dir, name));
        const tokens = await web.encode(image);
        expect(Array.from(tokens.indices), name).toEqual(Array.from((await node.encode(image)).indices));
        expect(Array.from(tokens.indices), name).toEqual(pytorchTokens(variant, name));
        // The decoders differ only in float rounding (wasm vs native kernels): pixels within 1 level.
        const [a, b] = [await web.decode(tokens), await node.decode(tokens)];
        let worst = 0;
        for (let i = 0; i < a.data.length; i++) worst = Math.max(worst, Math.abs(a.data[i] - b.data[i]));
        expect(worst, name).toBeLessThanOrEqual(1);
      }
    });
  }

  it('loads by URL, the files fetched relative to the manifest, with the identity of the bytes', async () => {
    const url = pathToFileURL(join(dir, 'fsq.manifest.json'));
    const web = await loadInBrowser(url, { runtime, fetch: fromDisk, backend: 'js' });
    opened.push(web);
    const node = await loadTokenizer(join(dir, 'fsq.manifest.json'), { backend: 'js' });
    opened.push(node);
    expect(web.identity).toEqual(node.identity);
  });

  it('rejects a bad manifest with the code and key Node gives', async () => {
    const bad = JSON.parse(await readFile(join(dir, 'fsq.manifest.json'), 'utf8'));
    bad.preprocessing.sizeMultiple = 0;
    await withTmp(async (tmp) => {
      const path = join(tmp, 'manifest.json');
      const { writeFile } = await import('node:fs/promises');
      await writeFile(path, JSON.stringify(bad));
      const nodeErr = (await expectCode(readManifest(path), 'MMTOK_MANIFEST')) as Error & { details: { key: string } };
      const given = { ...(await bytesOf('fsq')), manifest: bad };
      const webErr = (await expectCode(loadInBrowser(given, { runtime }), 'MMTOK_MANIFEST')) as Error & {
        details: { key: string };
      };
      expect(webErr.details.key).toBe(nodeErr.details.key);
      expect(webErr.details.key).toBe('manifest.preprocessing.sizeMultiple');
    });
    await expectCode(loadInBrowser({ manifest: '{not json', files: {} }, { runtime }), 'MMTOK_MANIFEST');
  });

  it('refuses files outside the manifest folder and files not given', async () => {
    const m = JSON.parse(await readFile(join(dir, 'fsq.manifest.json'), 'utf8'));
    const outside = { ...m, encoder: { ...m.encoder, file: '../fsq.encoder.onnx' } };
    const url = pathToFileURL(join(dir, 'sub', 'manifest.json'));
    const serve = async (u: URL) => (u.href === url.href ? Response.json(outside) : fromDisk(u));
    const err = await expectCode(loadInBrowser(url, { runtime, fetch: serve }), 'MMTOK_MANIFEST');
    expect(err.message).toMatch(/outside the manifest's folder/);
    // A file the server does not have (404) is the manifest's fault, under its key, as in Node.
    const manifestUrl = pathToFileURL(join(dir, 'fsq.manifest.json'));
    const notFound = async (u: URL) =>
      u.href.endsWith('.decoder.onnx') ? new Response('', { status: 404 }) : fromDisk(u);
    const e404 = await expectCode(loadInBrowser(manifestUrl, { runtime, fetch: notFound }), 'MMTOK_MANIFEST');
    expect((e404 as Error & { details: { key: string } }).details.key).toBe('manifest.decoder.file');
    const given = await bytesOf('fsq');
    delete given.files['fsq.decoder.onnx'];
    expect((await expectCode(loadInBrowser(given, { runtime }), 'MMTOK_MANIFEST')).message).toMatch(
      /manifest.decoder.file: file 'fsq.decoder.onnx' was not given/,
    );
    // URLs and absolute paths (POSIX or Windows) are refused by the validator itself, on every platform.
    for (const file of ['https://elsewhere.example/d.onnx', '/models/d.onnx', 'C:\\models\\d.onnx']) {
      const absolute = { ...m, decoder: { ...m.decoder, file } };
      const e = await expectCode(loadInBrowser({ ...given, manifest: absolute }, { runtime }), 'MMTOK_MANIFEST');
      expect(e.message, file).toMatch(/manifest.decoder.file: must be a path relative to the manifest/);
    }
  });

  it('without onnxruntime-web: MMTOK_BACKEND saying what to install', async () => {
    const missing = () => import(/* @vite-ignore */ ['onnxruntime', 'web', 'not', 'installed'].join('-'));
    const err = await expectCode(loadInBrowser(await bytesOf('fsq'), { runtime: missing }), 'MMTOK_BACKEND');
    expect(err.message).toMatch(/npm install onnxruntime-web/);
  });

  it('refuses a body over the limit from its Content-Length or, without one, while streaming', async () => {
    const url = new URL('https://example.invalid/big.onnx');
    const declared = async () => new Response(new Uint8Array(10), { headers: { 'content-length': '10' } });
    // Refused from the header alone: this body fails if anything reads it.
    const unreadable = async () =>
      new Response(
        new ReadableStream({
          pull() {
            throw new Error('the body was read');
          },
        }),
        { headers: { 'content-length': '10' } },
      );
    await expectCode(fetchBounded(url, 9, unreadable), 'MMTOK_IO');
    let pulled = 0;
    const endless = async () =>
      new Response(
        new ReadableStream<Uint8Array>({
          pull(c) {
            pulled++;
            c.enqueue(new Uint8Array(4));
          },
        }),
      );
    await expectCode(fetchBounded(url, 9, endless), 'MMTOK_IO');
    expect(pulled).toBeLessThan(10);
    expect(Array.from(await fetchBounded(url, 10, declared))).toEqual(new Array(10).fill(0));
  });
});
