import { lfqDecode } from '../backends/js/scalar.js';
import type { ResidualLfqConfig } from '../config.js';
import type { Matrix } from '../tensor.js';
import { allIndices, BaseQuantizer, type Encoded, type QuantizerContext, sumLevels } from './quantizer.js';

const f = Math.fround;

/** Residual LFQ: level l takes sign bits of the residual with codes ±codebookScale·2^-l. */
export class ResidualLookupFreeQuantizer extends BaseQuantizer<ResidualLfqConfig> {
  readonly dim: number;
  readonly codebookSize: number;
  readonly numQuantizers: number;
  readonly scales: readonly number[];
  readonly msbFirst: boolean;

  constructor(config: ResidualLfqConfig, context: QuantizerContext) {
    super(config, context);
    this.dim = config.dim;
    this.codebookSize = 2 ** config.dim;
    this.numQuantizers = config.numQuantizers;
    const base = config.codebookScale ?? 1;
    this.scales = Array.from({ length: config.numQuantizers }, (_, l) => base * 2 ** -l);
    this.msbFirst = (config.bitOrder ?? 'msb') === 'msb';
  }

  protected async encodeRows(x: Matrix, backend?: string): Promise<Encoded> {
    const { rows } = x;
    const q = this.numQuantizers;
    const residual = Float32Array.from(x.data);
    const codes = new Float32Array(residual.length);
    const indices = new Int32Array(rows * q);
    for (let l = 0; l < q; l++) {
      const level = await this.context.registry.run(
        'lfqEncode',
        { x: residual, rows, dim: this.dim, scale: this.scales[l], msbFirst: this.msbFirst },
        backend,
      );
      for (let r = 0; r < rows; r++) indices[r * q + l] = level.indices[r];
      for (let i = 0; i < residual.length; i++) {
        residual[i] = f(residual[i] - level.codes[i]);
        codes[i] = f(codes[i] + level.codes[i]);
      }
    }
    return { indices, codes };
  }

  protected decodeRows(indices: Int32Array, rows: number, levels: number, backend?: string): Promise<Float32Array> {
    return sumLevels(indices, rows, levels, this.dim, (l, column) =>
      this.context.registry.run(
        'lfqDecode',
        { indices: column, dim: this.dim, scale: this.scales[l], msbFirst: this.msbFirst },
        backend,
      ),
    );
  }

  codebooks(): Float32Array[] {
    const all = allIndices(this.codebookSize);
    return this.scales.map((scale) => lfqDecode({ indices: all, dim: this.dim, scale, msbFirst: this.msbFirst }));
  }
}
