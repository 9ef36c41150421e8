import { LinearTransform, MmtokError } from '@mmtok/core';

/**
 * The built-in learned linear patch transform: core's LinearTransform over P×P×3 patch rows.
 * `scale` brings the coefficients into the range a scalar quantizer (FSQ/LFQ) expects; it is 1 for RVQ.
 */
export class LinearPatchTransform extends LinearTransform {
  constructor(
    readonly patchSize: number,
    mean: Float32Array,
    components: Float32Array,
    scale: Float32Array,
  ) {
    super(
      mean,
      components,
      scale,
      patchSize * patchSize * 3,
      `linear patch weights do not fit patch size ${patchSize}`,
    );
  }

  serialize(): Uint8Array {
    return this.encode({ format: 'mmtok-linear-patch', version: '1', patchSize: String(this.patchSize) });
  }

  static deserialize(bytes: Uint8Array, patchSize: number, file: string): LinearPatchTransform {
    const { tensors, metadata } = LinearTransform.decode(bytes, 'mmtok-linear-patch', 'linear patch', file);
    if (Number(metadata.patchSize) !== patchSize) {
      throw new MmtokError(
        'MMTOK_MISMATCH',
        `${file}: weights were made for patch size ${metadata.patchSize}, the manifest says ${patchSize}`,
        { path: file },
      );
    }
    return new LinearPatchTransform(patchSize, tensors.mean.data, tensors.components.data, tensors.scale.data);
  }
}
