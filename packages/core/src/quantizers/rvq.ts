import type { RvqConfig } from '../config.js';
import { randomNormal } from '../random.js';
import type { Matrix } from '../tensor.js';
import {
  accumulateLevel,
  BaseQuantizer,
  clampDropped,
  type Encoded,
  levelColumn,
  type QuantizerContext,
} from './quantizer.js';
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

  protected async decodeRows(
    indices: Int32Array,
    rows: number,
    levels: number,
    backend?: string,
  ): Promise<Float32Array> {
    const out = new Float32Array(rows * this.dim);
    for (let l = 0; l < levels; l++) {
      const column = levelColumn(indices, rows, levels, l);
      const codes = await this.context.registry.run(
        'gather',
        { codebook: this.levelCodebooks[l], dim: this.dim, indices: clampDropped(column) },
        backend,
      );
      accumulateLevel(out, codes, column, this.dim);
    }
    return out;
  }
}
