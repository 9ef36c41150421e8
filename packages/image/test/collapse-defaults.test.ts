/**
 * Calibration case for the collapse alarms (docs/diagnostics.md): the embedded default tokenizer,
 * a healthy codebook, raises no alarm on ordinary photos nor on its own training images, one image
 * at a time (as `mmtok diagnose photo.jpg` judges it).
 */
import { readdirSync } from 'node:fs';
import { codebookStats, collapseVerdict } from '@mmtok/diagnostics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ImageTokenizer, loadTokenizer, readImage } from '../src/index.js';
import { SAMPLES } from './helpers.js';

let tokenizer: ImageTokenizer;
beforeAll(async () => {
  tokenizer = await loadTokenizer('default');
});
afterAll(async () => {
  await tokenizer.dispose();
});

const images = readdirSync(SAMPLES).filter((f) => /\.(png|jpg)$/.test(f));

describe('the default image tokenizer is healthy on photos', () => {
  it.each(images)('%s', async (name) => {
    const tokens = await tokenizer.encode(await readImage(`${SAMPLES}${name}`));
    const L = tokens.shape[tokens.shape.length - 1];
    const health = codebookStats(
      { data: tokens.indices, shape: [tokens.indices.length / L, L] },
      { codebookSize: tokenizer.quantizer!.codebookSize, levels: L },
    );
    const v = collapseVerdict(health);
    expect(v.alarms.map((a) => a.message)).toEqual([]);
    expect(v.status).toBe('healthy');
  });
});
