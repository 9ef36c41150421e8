import type { RvqConfig } from '../config.js';
import { randomNormal } from '../random.js';
import type { Matrix } from '../tensor.js';
import { BaseQuantizer, type Encoded, type QuantizerContext, sumLevels } from './quantizer.js';
import { toFloat32 } from './vq.js';

/** Residual VQ: level l quantizes what levels 0..l-1 left over; the codes are the sum. */
export class ResidualVectorQuantizer extends BaseQuantizer<RvqConfig> {
  readonly dim: number;
  readonly codebookSize: number;
  readonly numQuantizers: number;
  readonly levelCodebooks: readonly Float32Array[];

  constructor(config: RvqConfig, context: QuantizerContext) {
    super(config, context);
    this.dim = config.dim;
    this.codebookSize = config.codebookSize;
    this.numQuantizers = config.numQuantizers;
    const seed = config.seed ?? 0;
    this.levelCodebooks = Array.from({ length: config.numQuantizers }, (_, l) =>
      config.codebooks ? toFloat32(config.codebooks[l]) : randomNormal(config.codebookSize, config.dim, seed + l),
    );
  }

  codebooks(): Float32Array[] {
    return [...this.levelCodebooks];
  }

  protected async encodeRows(x: Matrix, backend?: string): Promise<Encoded> {
    const { indices, quantized } = await this.context.registry.run(
      'residualNearestCode',
      { x: x.data, rows: x.rows, dim: this.dim, codebooks: this.levelCodebooks, codebookSize: this.codebookSize },
      backend,
    );
    return { indices, codes: quantized };
  }

  protected decodeRows(indices: Int32Array, rows: number, levels: number, backend?: string): Promise<Float32Array> {
    return sumLevels(indices, rows, levels, this.dim, (l, column) =>
      this.context.registry.run(
        'gather',
        { codebook: this.levelCodebooks[l], dim: this.dim, indices: column },
        backend,
      ),
    );
  }
}
