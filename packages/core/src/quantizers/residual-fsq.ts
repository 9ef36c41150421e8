import { fsqDecode } from '../backends/js/scalar.js';
import type { ResidualFsqConfig } from '../config.js';
import type { Matrix } from '../tensor.js';
import { allIndices, BaseQuantizer, type Encoded, type QuantizerContext, sumLevels } from './quantizer.js';

const f = Math.fround;

/**
 * Residual FSQ: symmetric FSQ levels, level l working at scale levels^-l on what the previous
 * levels left. With boundHardClamp (the reference default) the input is first soft-clamped to
 * ±(1 + 1/(L-1)) per dimension and each level bounds with clamp(-1, 1).
 */
export class ResidualFiniteScalarQuantizer extends BaseQuantizer<ResidualFsqConfig> {
  readonly dim: number;
  readonly codebookSize: number;
  readonly numQuantizers: number;
  readonly levels: readonly number[];
  /** Per level, per dimension: levels^-l in float32. */
  readonly scales: readonly Float32Array[];

  constructor(config: ResidualFsqConfig, context: QuantizerContext) {
    super(config, context);
    this.levels = [...config.levels];
    this.dim = this.levels.length;
    this.codebookSize = this.levels.reduce((a, b) => a * b, 1);
    this.numQuantizers = config.numQuantizers;
    this.scales = Array.from({ length: config.numQuantizers }, (_, l) =>
      Float32Array.from(this.levels, (L) => L ** -l),
    );
  }

  private get hardClamp() {
    return this.config.boundHardClamp ?? true;
  }

  private softClamp(x: Float32Array): Float32Array {
    const out = Float32Array.from(x);
    if (!this.hardClamp) return out;
    const limit = this.levels.map((L) => f(1 + f(1 / (L - 1))));
    for (let i = 0; i < out.length; i++) {
      const c = limit[i % this.dim];
      out[i] = f(f(Math.tanh(f(out[i] / c))) * c);
    }
    return out;
  }

  protected async encodeRows(x: Matrix, backend?: string): Promise<Encoded> {
    const { rows, dim } = { rows: x.rows, dim: this.dim };
    const q = this.numQuantizers;
    const residual = this.softClamp(x.data);
    const codes = new Float32Array(rows * dim);
    const indices = new Int32Array(rows * q);
    const scaled = new Float32Array(rows * dim);
    for (let l = 0; l < q; l++) {
      const scale = this.scales[l];
      for (let i = 0; i < scaled.length; i++) scaled[i] = f(residual[i] / scale[i % dim]);
      const level = await this.context.registry.run(
        'fsqEncode',
        { x: scaled, rows, levels: this.levels, symmetric: true, hardClamp: this.hardClamp },
        backend,
      );
      for (let r = 0; r < rows; r++) indices[r * q + l] = level.indices[r];
      for (let i = 0; i < residual.length; i++) {
        const quant = f(level.codes[i] * scale[i % dim]);
        residual[i] = f(residual[i] - quant);
        codes[i] = f(codes[i] + quant);
      }
    }
    return { indices, codes };
  }

  protected decodeRows(indices: Int32Array, rows: number, levels: number, backend?: string): Promise<Float32Array> {
    return sumLevels(
      indices,
      rows,
      levels,
      this.dim,
      (_, column) =>
        this.context.registry.run('fsqDecode', { indices: column, levels: this.levels, symmetric: true }, backend),
      (l) => this.scales[l],
    );
  }

  /** The unscaled symmetric FSQ codebook shared by every level. */
  codebooks(): Float32Array[] {
    const base = fsqDecode({ indices: allIndices(this.codebookSize), levels: this.levels, symmetric: true });
    return this.scales.map((s) => base.map((v, i) => f(v * s[i % this.dim])));
  }
}
