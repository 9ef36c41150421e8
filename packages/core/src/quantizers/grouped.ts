import type { GroupedConfig, QuantizerConfig } from '../config.js';
import { MmtokError } from '../errors.js';
import type { Matrix } from '../tensor.js';
import { BaseQuantizer, type Encoded, type QuantizerContext } from './quantizer.js';

/**
 * The feature dimension split into consecutive groups, one quantizer each. Indices are the
 * groups' index columns side by side: [N, sum of the groups' numQuantizers].
 */
export class GroupedQuantizer extends BaseQuantizer<GroupedConfig> {
  readonly dim: number;
  readonly codebookSize: number;
  readonly numQuantizers: number;

  constructor(
    config: GroupedConfig,
    context: QuantizerContext,
    readonly groups: readonly BaseQuantizer<QuantizerConfig>[],
  ) {
    super(config, context);
    this.dim = groups.reduce((a, g) => a + g.dim, 0);
    this.numQuantizers = groups.reduce((a, g) => a + g.numQuantizers, 0);
    this.codebookSize = Math.max(...groups.map((g) => g.codebookSize));
  }

  codebooks(): Float32Array[] {
    return this.groups.flatMap((g) => g.codebooks());
  }

  protected async encodeRows(x: Matrix, backend?: string): Promise<Encoded> {
    const { rows } = x;
    const indices = new Int32Array(rows * this.numQuantizers);
    const codes = new Float32Array(rows * this.dim);
    let col = 0;
    let level = 0;
    for (const g of this.groups) {
      const part = new Float32Array(rows * g.dim);
      for (let r = 0; r < rows; r++)
        part.set(x.data.subarray(r * this.dim + col, r * this.dim + col + g.dim), r * g.dim);
      const enc = await g.encodeFlat({ data: part, rows, cols: g.dim }, backend);
      const gc = enc.codes ?? (await g.decodeFlat(enc.indices, rows, g.numQuantizers, backend));
      for (let r = 0; r < rows; r++) {
        codes.set(gc.subarray(r * g.dim, (r + 1) * g.dim), r * this.dim + col);
        indices.set(
          enc.indices.subarray(r * g.numQuantizers, (r + 1) * g.numQuantizers),
          r * this.numQuantizers + level,
        );
      }
      col += g.dim;
      level += g.numQuantizers;
    }
    return { indices, codes };
  }

  protected async decodeRows(
    indices: Int32Array,
    rows: number,
    levels: number,
    backend?: string,
  ): Promise<Float32Array> {
    if (levels !== this.numQuantizers) {
      throw new MmtokError('MMTOK_SHAPE', `grouped indices need all ${this.numQuantizers} columns, got ${levels}`);
    }
    const out = new Float32Array(rows * this.dim);
    let col = 0;
    let level = 0;
    for (const [gi, g] of this.groups.entries()) {
      const part = new Int32Array(rows * g.numQuantizers);
      for (let r = 0; r < rows; r++) {
        for (let l = 0; l < g.numQuantizers; l++) {
          const v = indices[r * levels + level + l];
          if (v >= g.codebookSize || (v < 0 && !(v === -1 && g.numQuantizers > 1))) {
            throw new MmtokError(
              'MMTOK_INDEX_RANGE',
              `indices value ${v} at row ${r}, column ${level + l} is outside group ${gi}'s [0, ${g.codebookSize})`,
            );
          }
          part[r * g.numQuantizers + l] = v;
        }
      }
      const gc = await g.decodeFlat(part, rows, g.numQuantizers, backend);
      for (let r = 0; r < rows; r++) out.set(gc.subarray(r * g.dim, (r + 1) * g.dim), r * this.dim + col);
      col += g.dim;
      level += g.numQuantizers;
    }
    return out;
  }
}
