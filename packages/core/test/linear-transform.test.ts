import { describe, expect, it } from 'vitest';
import { decodeSafetensors, fitPca, LinearTransform, MmtokError } from '../src/index.js';

describe('LinearTransform', () => {
  const x = Float32Array.from({ length: 40 * 3 }, (_, i) => Math.sin(i * 0.7) + (i % 3));
  const pca = fitPca({ data: x, shape: [40, 3] }, 3, { components: 3 });

  it('inverse(forward(x)) is x with all components, for any scale, on every CPU backend', async () => {
    const t = new LinearTransform(pca.mean, pca.components, LinearTransform.scaleFor(pca, 'fsq'));
    for (const backend of ['js', 'ort', 'wasm']) {
      // wasm has no affine kernel: the transform runs on the best backend that has one.
      const back = await t.inverse(await t.forward(x, { backend }), { backend });
      for (let i = 0; i < x.length; i++) expect(back[i]).toBeCloseTo(x[i], 4);
    }
  });

  it('forward is (C · (x − mean)) / scale, inverse mean + Cᵀ (z · scale)', async () => {
    const scale = Float32Array.of(2, 0.5, 4);
    const t = new LinearTransform(pca.mean, pca.components, scale);
    const z = await t.forward(x, { backend: 'js' });
    const back = await t.inverse(z, { backend: 'js' });
    for (let r = 0; r < 40; r++)
      for (let k = 0; k < 3; k++) {
        let s = 0;
        let v = pca.mean[k];
        for (let j = 0; j < 3; j++) {
          s += pca.components[k * 3 + j] * (x[r * 3 + j] - pca.mean[j]);
          v += pca.components[j * 3 + k] * z[r * 3 + j] * scale[j];
        }
        expect(z[r * 3 + k]).toBeCloseTo(s / scale[k], 5);
        expect(back[r * 3 + k]).toBeCloseTo(v, 5);
      }
  });

  it('an unknown backend or a ragged input fails with its code', async () => {
    const t = new LinearTransform(pca.mean, pca.components, LinearTransform.scaleFor(pca, 'rvq'));
    await expect(t.forward(x, { backend: 'nope' })).rejects.toMatchObject({ code: 'MMTOK_BACKEND' });
    await expect(t.forward(x.subarray(1))).rejects.toMatchObject({ code: 'MMTOK_SHAPE' });
    await expect(t.inverse(new Float32Array(4))).rejects.toMatchObject({ code: 'MMTOK_SHAPE' });
  });

  it('encodes to safetensors and decodes with its metadata', () => {
    const t = new LinearTransform(pca.mean, pca.components, LinearTransform.scaleFor(pca, 'rvq'));
    const bytes = t.encode({ format: 'test-linear', version: '1' });
    expect(decodeSafetensors(bytes).tensors.components.shape).toEqual([3, 3]);
    const { tensors, metadata } = LinearTransform.decode(bytes, 'test-linear', 'test', 'w.safetensors');
    expect(metadata.version).toBe('1');
    expect(Array.from(tensors.scale.data)).toEqual([1, 1, 1]);
    expect(() => LinearTransform.decode(bytes, 'other', 'other', 'w.safetensors')).toThrow(
      /w\.safetensors: not an mmtok other weights file/,
    );
  });

  it('weights that do not fit the input size are MMTOK_MISMATCH', () => {
    const err = (() => {
      try {
        new LinearTransform(pca.mean, pca.components, new Float32Array(3), 4, 'fits 4');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(MmtokError);
    expect((err as MmtokError).code).toBe('MMTOK_MISMATCH');
    expect((err as Error).message).toMatch(/fits 4: mean has 3 values \(need 4\)/);
  });
});
