import { l2normalize } from '../backends/js/nearest.js';
import type { VqConfig, Weights } from '../config.js';
import { randomNormal } from '../random.js';
import type { Matrix } from '../tensor.js';
import { BaseQuantizer, type Encoded, type QuantizerContext } from './quantizer.js';

export function toFloat32(w: Weights): Float32Array {
  return w instanceof Float32Array ? w : Float32Array.from(w);
}

/**
 * Vector quantization against one learned codebook. Euclidean picks the nearest row; cosine
 * compares unit vectors and its codes are the unit-normalized codebook rows.
 */
export class VectorQuantizer extends BaseQuantizer<VqConfig> {
  readonly dim: number;
  readonly codebookSize: number;
  readonly numQuantizers = 1;
  /** The weights as given (what a codebook file stores). */
  readonly weights: Float32Array;
  /** The codes searched and decoded: the weights, unit-normalized for cosine distance. */
  readonly codebook: Float32Array;

  constructor(config: VqConfig, context: QuantizerContext) {
    super(config, context);
    this.dim = config.dim;
    this.codebookSize = config.codebookSize;
    this.weights = config.codebook
      ? toFloat32(config.codebook)
      : randomNormal(config.codebookSize, config.dim, config.seed ?? 0);
    // Normalizing already-unit rows again is not bit-exact in float32, so files keep `weights`.
    this.codebook =
      config.distance === 'cosine' ? l2normalize(this.weights, config.codebookSize, config.dim) : this.weights;
  }

  get distance() {
    return this.config.distance ?? 'euclidean';
  }

  codebooks(): Float32Array[] {
    return [this.codebook];
  }

  protected async encodeRows(x: Matrix, backend?: string): Promise<Encoded> {
    const indices = await this.context.registry.run(
      'nearestCode',
      {
        x: x.data,
        rows: x.rows,
        dim: this.dim,
        codebook: this.codebook,
        codebookSize: this.codebookSize,
        metric: this.distance,
      },
      backend,
    );
    return { indices };
  }

  protected async decodeRows(
    indices: Int32Array,
    _rows: number,
    _levels: number,
    backend?: string,
  ): Promise<Float32Array> {
    return this.context.registry.run('gather', { codebook: this.codebook, dim: this.dim, indices }, backend);
  }
}
