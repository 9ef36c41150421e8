import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listTokenizers, loadTokenizer, readImage, type TokenSet, trainImageTokenizer } from '../src/index.js';
import { expectCode, psnr, randomImage, SAMPLES, withTmp } from './helpers.js';

describe('default tokenizer', () => {
  it('is listed and loads by name', async () => {
    expect(listTokenizers().map((t) => t.name)).toContain('default');
    const tok = await loadTokenizer('default');
    expect(tok.identity.name).toBe('default');
    expect(tok.identity.hash).toMatch(/^[0-9a-f]{64}$/);
    await expectCode(loadTokenizer('no-such-tokenizer'), 'MMTOK_TOKENIZER_NOT_FOUND');
  });

  it('decodes any size to the original size', async () => {
    const tok = await loadTokenizer('default');
    for (const [w, h] of [
      [1, 1],
      [37, 23],
      [64, 64],
    ]) {
      const img = randomImage(w, h);
      const t = await tok.encode(img);
      expect(t.shape).toEqual([Math.ceil(h / 4), Math.ceil(w / 4), tok.quantizer!.numQuantizers]);
      expect(t.indices.length).toBe(t.shape.reduce((a, b) => a + b, 1) && t.shape[0] * t.shape[1] * t.shape[2]);
      const back = await tok.decode(t);
      expect([back.width, back.height]).toEqual([w, h]);
    }
  });

  it('reconstructs the held-out photo above 30 dB', async () => {
    const tok = await loadTokenizer('default');
    const img = await readImage(join(SAMPLES, 'coffee.png'));
    const t = await tok.encode(img);
    expect(t.source).toMatchObject({ width: 600, height: 400 });
    expect(psnr(img, await tok.decode(t))).toBeGreaterThan(30);
  });

  it('refuses tokens from another tokenizer and malformed token sets', async () => {
    const tok = await loadTokenizer('default');
    const t = await tok.encode(randomImage(8, 8));
    const foreign: TokenSet = { ...t, tokenizer: { ...t.tokenizer, hash: '0'.repeat(64) } };
    const err = await expectCode(tok.decode(foreign), 'MMTOK_TOKENIZER_MISMATCH');
    expect(err.message).toContain('default');
    await expectCode(tok.decode({ ...t, shape: [2, 2, 5] }), 'MMTOK_SHAPE');
    const bad = { ...t, indices: t.indices.map(() => 999999) };
    await expectCode(tok.decode(bad), 'MMTOK_INDEX_RANGE');
  });

  it('encodeTensor / decodeToTensor work in model space', async () => {
    const tok = await loadTokenizer('default');
    const data = new Float32Array(3 * 10 * 6).map(() => Math.random() * 2 - 1);
    const t = await tok.encodeTensor({ data, shape: [1, 3, 10, 6] });
    const y = await tok.decodeToTensor(t);
    expect(y.shape).toEqual([1, 3, 10, 6]);
    await expectCode(tok.encodeTensor({ data, shape: [1, 3, 10, 7] }), 'MMTOK_SHAPE');
  });
});

describe('trainImageTokenizer', () => {
  it.each(['rvq', 'fsq', 'lfq'] as const)('trains a small %s tokenizer that round-trips', async (kind) => {
    await withTmp(async (dir) => {
      const images = [await readImage(join(SAMPLES, 'coins.png'))];
      const { manifestPath } = await trainImageTokenizer(images, {
        outDir: join(dir, kind),
        quantizer: kind,
        patchSize: 4,
        dim: 8,
        codebookSize: 16,
        numQuantizers: 2,
        fsqLevels: [7, 5, 5, 5],
        lfqBits: 8,
        maxPatches: 2000,
        iterations: 5,
      });
      const tok = await loadTokenizer(manifestPath);
      const img = images[0];
      const back = await tok.decode(await tok.encode(img));
      expect([back.width, back.height]).toEqual([img.width, img.height]);
      expect(psnr(img, back)).toBeGreaterThan(18);
    });
  });

  it('rejects missing options', async () => {
    await expectCode(trainImageTokenizer([randomImage(4, 4)], {} as never), 'MMTOK_CONFIG');
    await expectCode(trainImageTokenizer([], { outDir: '/tmp/x' }), 'MMTOK_EMPTY');
  });
});
