/** The semantic-tokenizer training pieces: row collection per input, and the fitted codebook. */
import { describe, expect, it } from 'vitest';
import { collectFeatureRows, fitFeatureCodebook, Random, trainFeatureCodebook } from '../src/index.js';
import { runSeed } from './helpers.js';

describe('collectFeatureRows', () => {
  it('keeps at most ⌈maxRows / inputs⌉ rows of each input, in input and row order', async () => {
    // Input i has rows whose first value is 1000·i + row index, so kept rows show where they came from.
    const sizes = [3, 40, 7];
    const featuresOf = async (i: number) => {
      const data = new Float32Array(sizes[i] * 2);
      for (let r = 0; r < sizes[i]; r++) data.set([1000 * i + r, -r], r * 2);
      return { data, rows: sizes[i], dim: 2 };
    };
    const { rows, total, dim } = await collectFeatureRows([0, 1, 2], featuresOf, 30, new Random(runSeed('collect')));
    expect(dim).toBe(2);
    expect(total).toBe(3 + 10 + 7); // ⌈30 / 3⌉ = 10 from the long input, all of the short ones
    const firsts = Array.from({ length: total }, (_, r) => rows[r * 2]);
    expect(firsts.slice(0, 3)).toEqual([0, 1, 2]);
    const middle = firsts.slice(3, 13);
    expect(middle.every((v) => v >= 1000 && v < 1040)).toBe(true);
    expect([...middle].sort((a, b) => a - b)).toEqual(middle);
    expect(new Set(middle).size).toBe(10);
    expect(firsts.slice(13)).toEqual([2000, 2001, 2002, 2003, 2004, 2005, 2006]);
    // Each kept row is whole: its second value belongs with its first.
    for (let r = 0; r < total; r++) expect(rows[r * 2 + 1]).toBe(-(rows[r * 2] % 1000));
  });

  it('refuses inputs whose features differ in size', async () => {
    const featuresOf = async (d: number) => ({ data: new Float32Array(d), rows: 1, dim: d });
    await expect(collectFeatureRows([4, 5], featuresOf, 10, new Random(1))).rejects.toMatchObject({
      code: 'MMTOK_MISMATCH',
    });
  });
});

describe('fitFeatureCodebook', () => {
  // Three well-separated blobs in 8-D: k-means with K = 3 must find their centres.
  function blobs(rng: Random, n: number) {
    const centres = [
      [6, 0, 0, 0, 0, 0, 0, 0],
      [0, 6, 0, 0, 0, 0, 0, 0],
      [0, 0, -6, 0, 0, 0, 0, 0],
    ];
    const data = new Float32Array(n * 8);
    for (let i = 0; i < n; i++) for (let j = 0; j < 8; j++) data[i * 8 + j] = centres[i % 3][j] + 0.1 * rng.normal();
    return { data, centres };
  }

  it('vq: one code per blob centre; the manifest entry keeps the codebook in its file', async () => {
    const rng = new Random(runSeed('fit-vq'));
    const { data, centres } = blobs(rng, 300);
    const f = await fitFeatureCodebook(data, 300, 8, { codebookSize: 3, seed: 5, backend: 'js' });
    expect(f.projection).toBeUndefined();
    expect(f.explained).toBe(1);
    expect(f.entry).toEqual({ config: { type: 'vq', dim: 8, codebookSize: 3 }, file: 'quantizer.safetensors' });
    const book = (f.config as { codebook: Float32Array }).codebook;
    for (const c of centres) {
      const best = Math.min(...[0, 1, 2].map((k) => Math.hypot(...c.map((v, j) => v - book[k * 8 + j]))));
      expect(best).toBeLessThan(0.1);
    }
  });

  it('pca first: rows are centred and rotated to pcaDim components, which the codebook lives in', async () => {
    const rng = new Random(runSeed('fit-pca'));
    const { data } = blobs(rng, 300);
    const f = await fitFeatureCodebook(data, 300, 8, { codebookSize: 3, pcaDim: 2, seed: 5, backend: 'js' });
    expect(f.projection?.dim).toBe(2);
    // The blobs span a plane: two components hold nearly all the variance.
    expect(f.explained).toBeGreaterThan(0.99);
    expect(f.explained).toBeLessThanOrEqual(1);
    expect(f.quantizer.dim).toBe(2);
    const z = await f.projection!.forward(data, { backend: 'js' });
    const codes = (await f.quantizer.encode({ data: z, shape: [300, 2] }, { backend: 'js' })).data;
    // Every blob maps to one code, and the three blobs to three codes.
    for (let b = 0; b < 3; b++) expect(new Set(Array.from(codes).filter((_, i) => i % 3 === b)).size).toBe(1);
    expect(new Set(codes).size).toBe(3);
  });

  it('rvq: levels residual codebooks; too few rows is MMTOK_EMPTY', async () => {
    const rng = new Random(runSeed('fit-rvq'));
    const { data } = blobs(rng, 60);
    const f = await fitFeatureCodebook(data, 60, 8, { quantizer: 'rvq', codebookSize: 3, levels: 2, seed: 1 });
    expect(f.quantizer.numQuantizers).toBe(2);
    expect(f.entry.config).toEqual({ type: 'rvq', dim: 8, codebookSize: 3, numQuantizers: 2 });
    await expect(fitFeatureCodebook(data, 2, 8, { codebookSize: 3, seed: 1 })).rejects.toMatchObject({
      code: 'MMTOK_EMPTY',
    });
  });
});

describe('trainFeatureCodebook', () => {
  it('collects, frees the reader before fitting, and returns the rows in PCA space', async () => {
    // Two inputs of 4 rows each on a line x = (t, 2t): PCA to 1 component keeps all the variance.
    const featuresOf = async (i: number) => {
      const data = new Float32Array(8);
      for (let r = 0; r < 4; r++) data.set([4 * i + r, 2 * (4 * i + r)], r * 2);
      return { data, rows: 4, dim: 2 };
    };
    const events: string[] = [];
    const t = await trainFeatureCodebook([0, 1], featuresOf, {
      codebookSize: 2,
      pcaDim: 1,
      maxRows: 100,
      seed: 3,
      backend: 'js',
      afterReading: () => events.push('freed'),
      onProgress: (p) => events.push(p.stage),
    });
    expect(events.slice(0, 2)).toEqual(['freed', 'pca']);
    expect(t.total).toBe(8);
    expect(t.featureDim).toBe(2);
    expect(t.rows.length).toBe(8); // projected to 1 value a row, not the 2 features
    // Centred: the projected values of t = 0..7 along the line sum to zero and are evenly spaced.
    const z = Array.from(t.rows);
    expect(Math.abs(z.reduce((a, b) => a + b, 0))).toBeLessThan(1e-4);
    expect(Math.abs(Math.abs(z[1] - z[0]) - Math.sqrt(5))).toBeLessThan(1e-4);
  });

  it('frees the reader when reading fails', async () => {
    let freed = 0;
    const featuresOf = async (d: number) => ({ data: new Float32Array(d), rows: 1, dim: d });
    await expect(
      trainFeatureCodebook([4, 5], featuresOf, { codebookSize: 1, maxRows: 10, seed: 1, afterReading: () => freed++ }),
    ).rejects.toMatchObject({ code: 'MMTOK_MISMATCH' });
    expect(freed).toBe(1);
  });
});
