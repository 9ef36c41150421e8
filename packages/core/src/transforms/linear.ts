import { defaultRegistry } from '../backends/default.js';
import type { OpInput } from '../backends/ops.js';
import type { BackendRegistry } from '../backends/registry.js';
import { MmtokError } from '../errors.js';
import { decodeSafetensors, encodeSafetensors, type StoredTensor } from '../io/safetensors.js';
import type { Pca } from './pca.js';

/** The three tensors a linear transform's weights file holds. */
export interface LinearTransformTensors {
  mean: StoredTensor;
  components: StoredTensor;
  scale: StoredTensor;
}

/** Where a transform runs: `backend` if it has the affine kernel, else the best available one. */
export interface TransformRunOptions {
  backend?: string;
  registry?: BackendRegistry;
}

type AffineWeights = Pick<OpInput<'affine'>, 'weight' | 'bias'>;

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

  private folded?: { forward: AffineWeights; inverse: AffineWeights };

  /**
   * Both directions as affine maps (y = W x + b), folded once in float64: forward W = C / scale,
   * b = −W·mean; inverse W = (diag(scale) C)ᵀ, b = mean.
   */
  private affineWeights(): { forward: AffineWeights; inverse: AffineWeights } {
    if (this.folded) return this.folded;
    const { inputDim: D, dim: d, mean, components: C, scale } = this;
    const fw = new Float32Array(d * D);
    const fb = new Float32Array(d);
    const iw = new Float32Array(D * d);
    for (let k = 0; k < d; k++) {
      let b = 0;
      for (let j = 0; j < D; j++) {
        const w = C[k * D + j] / scale[k];
        fw[k * D + j] = w;
        b -= w * mean[j];
        iw[j * d + k] = C[k * D + j] * scale[k];
      }
      fb[k] = b;
    }
    this.folded = { forward: { weight: fw, bias: fb }, inverse: { weight: iw, bias: mean } };
    return this.folded;
  }

  private async affine(
    x: Float32Array,
    w: AffineWeights,
    inDim: number,
    outDim: number,
    options: TransformRunOptions,
  ): Promise<Float32Array> {
    if (x.length % inDim !== 0) {
      throw new MmtokError('MMTOK_SHAPE', `rows of ${inDim} values expected, got ${x.length} values`);
    }
    const registry = options.registry ?? defaultRegistry;
    const { kernel } = await registry.kernelOrBest('affine', options.backend);
    return kernel({ x, rows: x.length / inDim, ...w, inDim, outDim });
  }

  /** Rows [N, inputDim] → coefficient rows [N, dim]. */
  forward(rows: Float32Array, options: TransformRunOptions = {}): Promise<Float32Array> {
    return this.affine(rows, this.affineWeights().forward, this.inputDim, this.dim, options);
  }

  /** Coefficient rows [N, dim] → rows [N, inputDim]. */
  inverse(z: Float32Array, options: TransformRunOptions = {}): Promise<Float32Array> {
    return this.affine(z, this.affineWeights().inverse, this.dim, this.inputDim, options);
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
    let decoded: ReturnType<typeof decodeSafetensors>;
    try {
      decoded = decodeSafetensors(bytes);
    } catch (e) {
      // Name the file: a bare "header length 8317708…" says nothing about which file is wrong.
      const err = e as MmtokError;
      throw new MmtokError(err.code, `${file}: ${err.message.replace(/^\w+: /, '')}`, { path: file });
    }
    const { tensors, metadata } = decoded;
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
