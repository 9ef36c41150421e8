import { lfqDecode } from '../backends/js/scalar.js';
import type { LfqConfig } from '../config.js';
import type { Matrix } from '../tensor.js';
import { allIndices, BaseQuantizer, type Encoded, type QuantizerContext } from './quantizer.js';

/**
 * Lookup-free quantization: one sign bit per dimension, codes ±codebookScale, codebook size
 * 2^dim. Bit order 'msb' (the reference) makes the first dimension the most significant bit.
 */
export class LookupFreeQuantizer extends BaseQuantizer<LfqConfig> {
  readonly dim: number;
  readonly codebookSize: number;
  readonly numQuantizers = 1;
  readonly scale: number;
  readonly msbFirst: boolean;

  constructor(config: LfqConfig, context: QuantizerContext) {
    super(config, context);
    this.dim = config.dim;
    this.codebookSize = 2 ** config.dim;
    this.scale = config.codebookScale ?? 1;
    this.msbFirst = (config.bitOrder ?? 'msb') === 'msb';
  }

  protected async encodeRows(x: Matrix, backend?: string): Promise<Encoded> {
    return this.context.registry.run(
      'lfqEncode',
      { x: x.data, rows: x.rows, dim: this.dim, scale: this.scale, msbFirst: this.msbFirst },
      backend,
    );
  }

  protected async decodeRows(
    indices: Int32Array,
    _rows: number,
    _levels: number,
    backend?: string,
  ): Promise<Float32Array> {
    return this.context.registry.run(
      'lfqDecode',
      { indices, dim: this.dim, scale: this.scale, msbFirst: this.msbFirst },
      backend,
    );
  }

  codebooks(): Float32Array[] {
    return [
      lfqDecode({ indices: allIndices(this.codebookSize), dim: this.dim, scale: this.scale, msbFirst: this.msbFirst }),
    ];
  }
}
