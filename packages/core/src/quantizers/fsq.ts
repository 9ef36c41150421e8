import { fsqBasis } from '../backends/fsq-spec.js';
import { fsqDecode } from '../backends/js/scalar.js';
import type { FsqConfig } from '../config.js';
import { type Matrix, toMatrix } from '../tensor.js';
import { allIndices, BaseQuantizer, type Encoded, type QuantizerContext } from './quantizer.js';

/**
 * Finite scalar quantization: each dimension bounded and rounded to a few levels; the index is
 * the mixed-radix number of the level digits, first dimension least significant.
 */
export class FiniteScalarQuantizer extends BaseQuantizer<FsqConfig> {
  readonly dim: number;
  readonly codebookSize: number;
  readonly numQuantizers = 1;
  readonly levels: readonly number[];

  constructor(config: FsqConfig, context: QuantizerContext) {
    super(config, context);
    this.levels = [...config.levels];
    this.dim = this.levels.length;
    this.codebookSize = this.levels.reduce((a, b) => a * b, 1);
  }

  private get symmetric() {
    return this.config.preserveSymmetry ?? false;
  }

  protected async encodeRows(x: Matrix, backend?: string): Promise<Encoded> {
    return this.context.registry.run(
      'fsqEncode',
      {
        x: x.data,
        rows: x.rows,
        levels: this.levels,
        symmetric: this.symmetric,
        hardClamp: this.config.boundHardClamp ?? false,
      },
      backend,
    );
  }

  protected async decodeRows(
    indices: Int32Array,
    _rows: number,
    _levels: number,
    backend?: string,
  ): Promise<Float32Array> {
    return this.context.registry.run('fsqDecode', { indices, levels: this.levels, symmetric: this.symmetric }, backend);
  }

  /** Index of each code row (the inverse of decode), as the reference's codes_to_indices. */
  codesToIndices(codes: unknown): Int32Array {
    const m = toMatrix(codes, this.dim, 'codes');
    const basis = fsqBasis(this.levels);
    const out = new Int32Array(m.rows);
    for (let r = 0; r < m.rows; r++) {
      let index = 0;
      for (let j = 0; j < this.dim; j++) {
        const L = this.levels[j];
        const v = m.data[r * this.dim + j];
        const digit = this.symmetric ? (v + 1) / (2 / (L - 1)) : v * Math.floor(L / 2) + Math.floor(L / 2);
        index += Math.round(digit) * basis[j];
      }
      out[r] = index;
    }
    return out;
  }

  codebooks(): Float32Array[] {
    return [fsqDecode({ indices: allIndices(this.codebookSize), levels: this.levels, symmetric: this.symmetric })];
  }
}
