import { decodeSafetensors, encodeSafetensors, MmtokError } from '@mmtok/core';

/**
 * The built-in learned linear patch transform: z = (C · (x − mean)) / scale, x̂ = mean + Cᵀ (z · scale),
 * where C holds `dim` orthonormal principal directions of the P×P×3 patch space. `scale` brings the
 * coefficients into the range a scalar quantizer (FSQ/LFQ) expects; it is 1 for RVQ.
 */
export class LinearPatchTransform {
  readonly inputDim: number;
  readonly dim: number;

  constructor(
    readonly patchSize: number,
    readonly mean: Float32Array,
    readonly components: Float32Array,
    readonly scale: Float32Array,
  ) {
    this.inputDim = patchSize * patchSize * 3;
    this.dim = scale.length;
    if (mean.length !== this.inputDim || components.length !== this.dim * this.inputDim) {
      throw new MmtokError(
        'MMTOK_MISMATCH',
        `linear patch weights do not fit patch size ${patchSize}: mean has ${mean.length} values (need ${this.inputDim}), ` +
          `components ${components.length} (need ${this.dim}×${this.inputDim})`,
      );
    }
  }

  /** Patch rows [N, P·P·3] → coefficient rows [N, dim]. */
  forward(rows: Float32Array): Float32Array {
    const D = this.inputDim;
    const d = this.dim;
    const n = rows.length / D;
    const out = new Float32Array(n * d);
    const centred = new Float32Array(D);
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < D; j++) centred[j] = rows[r * D + j] - this.mean[j];
      for (let k = 0; k < d; k++) {
        let s = 0;
        const ck = k * D;
        for (let j = 0; j < D; j++) s += this.components[ck + j] * centred[j];
        out[r * d + k] = s / this.scale[k];
      }
    }
    return out;
  }

  /** Coefficient rows [N, dim] → patch rows [N, P·P·3]. */
  inverse(z: Float32Array): Float32Array {
    const D = this.inputDim;
    const d = this.dim;
    const n = z.length / d;
    const out = new Float32Array(n * D);
    for (let r = 0; r < n; r++) {
      const o = r * D;
      out.set(this.mean, o);
      for (let k = 0; k < d; k++) {
        const zk = z[r * d + k] * this.scale[k];
        if (zk === 0) continue;
        const ck = k * D;
        for (let j = 0; j < D; j++) out[o + j] += zk * this.components[ck + j];
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
      { format: 'mmtok-linear-patch', version: '1', patchSize: String(this.patchSize) },
    );
  }

  static deserialize(bytes: Uint8Array, patchSize: number, file: string): LinearPatchTransform {
    const { tensors, metadata } = decodeSafetensors(bytes);
    if (metadata.format !== 'mmtok-linear-patch') {
      throw new MmtokError('MMTOK_FILE_FORMAT', `${file}: not an mmtok linear patch weights file`, { path: file });
    }
    const { mean, components, scale } = tensors;
    if (!mean || !components || !scale) {
      throw new MmtokError('MMTOK_FILE_FORMAT', `${file}: needs tensors mean, components and scale`, { path: file });
    }
    if (Number(metadata.patchSize) !== patchSize) {
      throw new MmtokError(
        'MMTOK_MISMATCH',
        `${file}: weights were made for patch size ${metadata.patchSize}, the manifest says ${patchSize}`,
        { path: file },
      );
    }
    return new LinearPatchTransform(patchSize, mean.data, components.data, scale.data);
  }
}
