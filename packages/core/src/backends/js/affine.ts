import type { OpInput, OpOutput } from '../ops.js';

/**
 * Dot products accumulated in float64, four rows at a time so each weight row is loaded once per
 * four outputs (about 2.5× the one-row loop in V8).
 */
export function affine(i: OpInput<'affine'>): OpOutput<'affine'> {
  const { x, rows, weight: w, bias, inDim, outDim } = i;
  const out = new Float32Array(rows * outDim);
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const x0 = r * inDim;
    const x1 = x0 + inDim;
    const x2 = x1 + inDim;
    const x3 = x2 + inDim;
    for (let o = 0; o < outDim; o++) {
      const wo = o * inDim;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let j = 0; j < inDim; j++) {
        const wj = w[wo + j];
        s0 += x[x0 + j] * wj;
        s1 += x[x1 + j] * wj;
        s2 += x[x2 + j] * wj;
        s3 += x[x3 + j] * wj;
      }
      const oo = r * outDim + o;
      out[oo] = s0 + bias[o];
      out[oo + outDim] = s1 + bias[o];
      out[oo + 2 * outDim] = s2 + bias[o];
      out[oo + 3 * outDim] = s3 + bias[o];
    }
  }
  for (; r < rows; r++) {
    const xo = r * inDim;
    for (let o = 0; o < outDim; o++) {
      const wo = o * inDim;
      let s = 0;
      for (let j = 0; j < inDim; j++) s += x[xo + j] * w[wo + j];
      out[r * outDim + o] = s + bias[o];
    }
  }
  return out;
}
