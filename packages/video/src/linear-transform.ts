import { decodeSafetensors, encodeSafetensors, MmtokError } from '@mmtok/core';

/**
 * The built-in learned linear tubelet transform: z = C · (x − mean) / scale, x̂ = mean + Cᵀ (z · scale),
 * C holding `dim` orthonormal principal directions of the T×P×P×3 tubelet space (as the image
 * package's linear patch transform, with a time axis). `scale` is 1 for RVQ, ~σ for FSQ/LFQ.
 */
export class LinearTubeletTransform {
  readonly inputDim: number;
  readonly dim: number;

  constructor(
    readonly temporalPatch: number,
    readonly patchSize: number,
    readonly mean: Float32Array,
    readonly components: Float32Array,
    readonly scale: Float32Array,
  ) {
    this.inputDim = temporalPatch * patchSize * patchSize * 3;
    this.dim = scale.length;
    if (mean.length !== this.inputDim || components.length !== this.dim * this.inputDim) {
      throw new MmtokError(
        'MMTOK_MISMATCH',
        `linear tubelet weights do not fit ${temporalPatch}×${patchSize}×${patchSize}×3 tubelets: mean has ${mean.length} values ` +
          `(need ${this.inputDim}), components ${components.length} (need ${this.dim}×${this.inputDim})`,
      );
    }
  }

  /** Rows [N, inputDim] → coefficients [N, dim]. */
  forward(rows: Float32Array): Float32Array {
    const D = this.inputDim;
    const d = this.dim;
    const n = rows.length / D;
    const out = new Float32Array(n * d);
    const centred = new Float32Array(D);
    const C = this.components;
    for (let r = 0; r < n; r++) {
      const base = r * D;
      for (let j = 0; j < D; j++) centred[j] = rows[base + j] - this.mean[j];
      for (let k = 0; k < d; k++) {
        let s = 0;
        const ck = k * D;
        for (let j = 0; j < D; j++) s += C[ck + j] * centred[j];
        out[r * d + k] = s / this.scale[k];
      }
    }
    return out;
  }

  /** Coefficients [N, dim] → rows [N, inputDim]. */
  inverse(z: Float32Array): Float32Array {
    const D = this.inputDim;
    const d = this.dim;
    const n = z.length / d;
    const out = new Float32Array(n * D);
    const C = this.components;
    for (let r = 0; r < n; r++) {
      const o = r * D;
      out.set(this.mean, o);
      for (let k = 0; k < d; k++) {
        const zk = z[r * d + k] * this.scale[k];
        if (zk === 0) continue;
        const ck = k * D;
        for (let j = 0; j < D; j++) out[o + j] += zk * C[ck + j];
      }
    }
    return out;
  }

  serialize(): Uint8Array {
    return encodeSafetensors(
      {
        mean: { shape: [this.inputDim], data: this.mean },
        components: { shape: [this.dim, this.inputDim], data: this.components },
        scale: { shape: [this.dim], data: this.scale },
      },
      {
        format: 'mmtok-linear-tubelet',
        version: '1',
        temporalPatch: String(this.temporalPatch),
        patchSize: String(this.patchSize),
      },
    );
  }

  static deserialize(
    bytes: Uint8Array,
    temporalPatch: number,
    patchSize: number,
    file: string,
  ): LinearTubeletTransform {
    const { tensors, metadata } = decodeSafetensors(bytes);
    if (metadata.format !== 'mmtok-linear-tubelet') {
      throw new MmtokError('MMTOK_FILE_FORMAT', `${file}: not an mmtok linear tubelet weights file`, { path: file });
    }
    const { mean, components, scale } = tensors;
    if (!mean || !components || !scale) {
      throw new MmtokError('MMTOK_FILE_FORMAT', `${file}: needs tensors mean, components and scale`, { path: file });
    }
    if (Number(metadata.patchSize) !== patchSize || Number(metadata.temporalPatch) !== temporalPatch) {
      throw new MmtokError(
        'MMTOK_MISMATCH',
        `${file}: weights were made for ${metadata.temporalPatch}×${metadata.patchSize}² tubelets, the manifest says ${temporalPatch}×${patchSize}²`,
        { path: file },
      );
    }
    return new LinearTubeletTransform(temporalPatch, patchSize, mean.data, components.data, scale.data);
  }
}
