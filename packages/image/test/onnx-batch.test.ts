/**
 * Batched encoding: an ONNX encoder with a dynamic batch axis takes same-size images in one run and
 * gives each image PyTorch's tokens (fixtures-src/make_onnx_fixture.py, variants *-batch); the
 * encoders that cannot batch, and size changes, go one image at a time with the same tokens.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cropImage, type ImageTokenizer, loadTokenizer, type RgbImage, readImage } from '../src/index.js';
import { expectCode } from './helpers.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'onnx');
const expected: { images: string[]; variants: { fsq: { images: Record<string, { tokens: number[] }> } } } = JSON.parse(
  readFileSync(join(dir, 'expected.json'), 'utf8'),
);
/** PyTorch's tokens per image; every fsq* variant has the fsq weights. */
const pytorchTokens = (image: string) => expected.variants.fsq.images[image].tokens;

const loaded: ImageTokenizer[] = [];
async function load(variant: string): Promise<ImageTokenizer> {
  const t = await loadTokenizer(join(dir, `${variant}.manifest.json`));
  loaded.push(t);
  return t;
}
afterAll(async () => {
  for (const t of loaded) await t.dispose();
});

const images = () => Promise.all(expected.images.map((name) => readImage(join(dir, name))));
const corner = (image: RgbImage, width: number, height: number) => cropImage(image, { left: 0, top: 0, width, height });

/** Each image's tokens from its own encode call, to compare a batch with. */
async function singles(tokenizer: ImageTokenizer, list: RgbImage[]) {
  const out = [];
  for (const image of list) out.push(await tokenizer.encode(image));
  return out;
}

describe('ImageTokenizer.encodeBatch', () => {
  for (const variant of ['fsq-batch', 'fsq-codes-batch']) {
    it(`${variant}: three same-size images in one encoder run give PyTorch's tokens, as three encodes do`, async () => {
      const tokenizer = await load(variant);
      const list = await images();
      const { tokens, calls } = await tokenizer.encodeBatch(list);
      expect(calls).toEqual([3]);
      expect(tokens.map((t) => Array.from(t.indices))).toEqual(expected.images.map(pytorchTokens));
      expect(tokens).toEqual(await singles(tokenizer, list));
    });
  }

  it('sizes that pad to the same frame share a run, each keeping its own source size', async () => {
    const tokenizer = await load('fsq-batch');
    const [a, b, c] = await images();
    // 61×63 pads (edge mode, multiple 4) to 64×64 like the full images.
    const list = [a, corner(b, 61, 63), c];
    const { tokens, calls } = await tokenizer.encodeBatch(list);
    expect(calls).toEqual([3]);
    expect(tokens[1].source).toMatchObject({ width: 61, height: 63 });
    expect(tokens).toEqual(await singles(tokenizer, list));
  });

  it('a size change ends a run: [64², 64², 32×40] is two runs, [64², 32×40, 64²] three', async () => {
    const tokenizer = await load('fsq-batch');
    const [a, b, c] = await images();
    const small = corner(c, 32, 40);
    for (const [list, want] of [
      [
        [a, b, small],
        [2, 1],
      ],
      [
        [a, small, b],
        [1, 1, 1],
      ],
    ] as [RgbImage[], number[]][]) {
      const { tokens, calls } = await tokenizer.encodeBatch(list);
      expect(calls).toEqual(want);
      expect(tokens).toEqual(await singles(tokenizer, list));
    }
  });

  it('an encoder with a fixed batch of 1 goes one image at a time, with the same tokens', async () => {
    const tokenizer = await load('fsq');
    const { tokens, calls } = await tokenizer.encodeBatch(await images());
    expect(calls).toEqual([1, 1, 1]);
    expect(tokens.map((t) => Array.from(t.indices))).toEqual(expected.images.map(pytorchTokens));
  });

  it('the built-in linear encoder goes one image at a time', async () => {
    const tokenizer = await loadTokenizer('default');
    loaded.push(tokenizer);
    const list = await images();
    const { tokens, calls } = await tokenizer.encodeBatch(list);
    expect(calls).toEqual([1, 1, 1]);
    expect(tokens).toEqual(await singles(tokenizer, list));
  });

  it('an empty batch gives no tokens; a bad image is refused before any encoder run', async () => {
    const tokenizer = await load('fsq-batch');
    expect(await tokenizer.encodeBatch([])).toEqual({ tokens: [], calls: [] });
    const [a] = await images();
    await expectCode(tokenizer.encodeBatch([a, { ...a, width: 65 }]), 'MMTOK_SHAPE');
  });
});
