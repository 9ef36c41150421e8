import { LinearTransform, MmtokError } from '@mmtok/core';

/**
 * The built-in learned linear tubelet transform: core's LinearTransform over T×P×P×3 tubelet rows
 * (as the image package's linear patch transform, with a time axis). `scale` is 1 for RVQ, ~σ for FSQ/LFQ.
 */
export class LinearTubeletTransform extends LinearTransform {
  constructor(
    readonly temporalPatch: number,
    readonly patchSize: number,
    mean: Float32Array,
    components: Float32Array,
    scale: Float32Array,
  ) {
    super(
      mean,
      components,
      scale,
      temporalPatch * patchSize * patchSize * 3,
      `linear tubelet weights do not fit ${temporalPatch}×${patchSize}×${patchSize}×3 tubelets`,
    );
  }

  serialize(): Uint8Array {
    return this.encode({
      format: 'mmtok-linear-tubelet',
      version: '1',
      temporalPatch: String(this.temporalPatch),
      patchSize: String(this.patchSize),
    });
  }

  static deserialize(
    bytes: Uint8Array,
    temporalPatch: number,
    patchSize: number,
    file: string,
  ): LinearTubeletTransform {
    const { tensors, metadata } = LinearTransform.decode(bytes, 'mmtok-linear-tubelet', 'linear tubelet', file);
    if (Number(metadata.patchSize) !== patchSize || Number(metadata.temporalPatch) !== temporalPatch) {
      throw new MmtokError(
        'MMTOK_MISMATCH',
        `${file}: weights were made for ${metadata.temporalPatch}×${metadata.patchSize}² tubelets, the manifest says ${temporalPatch}×${patchSize}²`,
        { path: file },
      );
    }
    const { mean, components, scale } = tensors;
    return new LinearTubeletTransform(temporalPatch, patchSize, mean.data, components.data, scale.data);
  }
}
