/**
 * The browser entry, run in Node with its files read from disk: it must be the Node tokenizer
 * (same identity, same tokens, same reconstruction). The Chromium run is apps/dashboard's e2e test.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadDefaultTokenizer, rgbaToRgb, rgbToRgba } from '../src/browser.js';
import { loadTokenizer, readImage } from '../src/index.js';

const coffee = fileURLToPath(new URL('../assets/samples/coffee.png', import.meta.url));
const fromDisk = async (url: URL) => new Response(await readFile(url));

describe('@mmtok/image/browser', () => {
  it('loads the default tokenizer with the identity, tokens and reconstruction of loadTokenizer', async () => {
    const browser = await loadDefaultTokenizer({ fetch: fromDisk, backend: 'js' });
    const node = await loadTokenizer('default', { backend: 'js' });
    expect(browser.identity).toEqual(node.identity);
    const image = await readImage(coffee);
    const pixels = rgbToRgba(image);
    const tokens = await browser.encode(rgbaToRgb(pixels));
    const expected = await node.encode(image);
    expect(tokens.shape).toEqual(expected.shape);
    expect(tokens.indices).toEqual(expected.indices);
    const back = rgbToRgba(await browser.decode(tokens));
    expect(back.data).toEqual(rgbToRgba(await node.decode(expected)).data);
  });

  it('converts RGBA to RGB over white and back to opaque RGBA', () => {
    const rgba = {
      data: Uint8ClampedArray.from([10, 20, 30, 255, 200, 100, 0, 0, 100, 50, 0, 51]),
      width: 3,
      height: 1,
    };
    const rgb = rgbaToRgb(rgba);
    // Opaque kept; transparent → white; 20% alpha → 0.2·v + 0.8·255.
    expect(Array.from(rgb.data)).toEqual([10, 20, 30, 255, 255, 255, 224, 214, 204]);
    expect(Array.from(rgbToRgba(rgb).data)).toEqual([10, 20, 30, 255, 255, 255, 255, 255, 224, 214, 204, 255]);
  });

  it('rejects pixels whose byte count does not match their size', () => {
    expect(() => rgbaToRgb({ data: new Uint8Array(12), width: 2, height: 2 })).toThrow(/MMTOK_SHAPE/);
  });
});
