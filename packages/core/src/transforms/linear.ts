import { MmtokError } from '../errors.js';
import { decodeSafetensors, encodeSafetensors, type StoredTensor } from '../io/safetensors.js';
import type { Pca } from './pca.js';

/** The three tensors a linear transform's weights file holds. */
export interface LinearTransformTensors {
  mean: StoredTensor;
  components: StoredTensor;
  scale: StoredTensor;
}

/**
 * A learned linear map: z = (C · (x − mean)) / scale, x̂ = mean + Cᵀ (z · scale), where C holds `dim`
 * orthonormal principal directions of the input space. `scale` brings the coefficients into the
 * range a scalar quantizer (FSQ/LFQ) expects; it is 1 for RVQ. The modality packages subclass it
 * with their geometry (patch, frame, tubelet) and weights-file metadata.
 */
export class LinearTransform {
  readonly inputDim: number;
  readonly dim: number;

  /** `fits` names the geometry in the error when the weights do not match `inputDim`. */
  constructor(
    readonly mean: Float32Array,
    readonly components: Float32Array,
    readonly scale: Float32Array,
    inputDim: number = mean.length,
    fits = `linear weights do not fit input size ${inputDim}`,
  ) {
    this.inputDim = inputDim;
    this.dim = scale.length;
    if (mean.length !== this.inputDim || components.length !== this.dim * this.inputDim) {
      throw new MmtokError(
        'MMTOK_MISMATCH',
        `${fits}: mean has ${mean.length} values (need ${this.inputDim}), ` +
          `components ${components.length} (need ${this.dim}×${this.inputDim})`,
      );
    }
  }

  /**
   * Per-component scales for a quantizer kind from PCA variances: FSQ (hard clamp) sees ±2σ as ±1;
   * LFQ reconstructs a sign as ±E|z| = σ·√(2/π); RVQ works in PCA units.
   */
  static scaleFor(pca: Pca, kind: 'rvq' | 'fsq' | 'lfq'): Float32Array {
    const sd = Array.from(pca.variances, (v) => Math.sqrt(Math.max(v, 1e-12)));
    return Float32Array.from(sd, (s) => (kind === 'fsq' ? 2 * s : kind === 'lfq' ? s * Math.sqrt(2 / Math.PI) : 1));
  }

  /** Rows [N, inputDim] → coefficient rows [N, dim]. */
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

  /** Coefficient rows [N, dim] → rows [N, inputDim]. */
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

  toTensors(): LinearTransformTensors {
    return {
      mean: { shape: [this.inputDim], data: this.mean },
      components: { shape: [this.dim, this.inputDim], data: this.components },
      scale: { shape: [this.dim], data: this.scale },
    };
  }

  /** The weights as safetensors; `metadata.format` tells the subclass's files apart. */
  encode(metadata: Record<string, string>): Uint8Array {
    return encodeSafetensors({ ...this.toTensors() }, metadata);
  }

  /**
   * Reads a weights file written by `encode`: checks `metadata.format` (errors say "not an mmtok
   * `what` weights file") and that mean, components and scale are there; the caller checks the rest
   * of the metadata against its manifest before constructing.
   */
  static decode(
    bytes: Uint8Array,
    format: string,
    what: string,
    file: string,
  ): { tensors: LinearTransformTensors; metadata: Record<string, string> } {
    const { tensors, metadata } = decodeSafetensors(bytes);
    if (metadata.format !== format) {
      throw new MmtokError('MMTOK_FILE_FORMAT', `${file}: not an mmtok ${what} weights file`, { path: file });
    }
    const { mean, components, scale } = tensors;
    if (!mean || !components || !scale) {
      throw new MmtokError('MMTOK_FILE_FORMAT', `${file}: needs tensors mean, components and scale`, { path: file });
    }
    return { tensors: { mean, components, scale }, metadata };
  }
}
