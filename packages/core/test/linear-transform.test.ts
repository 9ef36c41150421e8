import { describe, expect, it } from 'vitest';
import { decodeSafetensors, fitPca, LinearTransform, MmtokError } from '../src/index.js';

describe('LinearTransform', () => {
  const x = Float32Array.from({ length: 40 * 3 }, (_, i) => Math.sin(i * 0.7) + (i % 3));
  const pca = fitPca({ data: x, shape: [40, 3] }, 3, { components: 3 });

  it('inverse(forward(x)) is x with all components, for any scale', () => {
    const t = new LinearTransform(pca.mean, pca.components, LinearTransform.scaleFor(pca, 'fsq'));
    const back = t.inverse(t.forward(x));
    for (let i = 0; i < x.length; i++) expect(back[i]).toBeCloseTo(x[i], 4);
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
