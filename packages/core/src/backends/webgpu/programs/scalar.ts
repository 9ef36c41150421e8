import { rowProgram } from './row-kernel.js';

/**
 * FSQ encode, one row per invocation. Each dimension's level index is found by binary search over
 * that level's thresholds: the smallest float32 input at which the js oracle's tanh/clamp, scale,
 * offset and round-half-to-even reach each index, found on the CPU. Comparisons are exact, so the
 * indices (and the codes, looked up from the oracle's own table) are identical to the oracle's,
 * with no dependence on the GPU's tanh accuracy.
 *
 * levelMeta per dimension: [thresholdOffset, thresholdCount, baseIndex, codeOffset, basis, levels].
 */
export const fsqEncodeProgram = rowProgram('fsq/encode', {
  params: 'rows: u32, dim: u32',
  bindings: [
    ['x', 'read', 'array<f32>'],
    ['levelMeta', 'read', 'array<u32>'],
    ['table', 'read', 'array<f32>'],
    ['outIdx', 'read_write', 'array<i32>'],
    ['outCodes', 'read_write', 'array<f32>'],
  ],
  id: 'row',
  count: 'rows',
  body: /* wgsl */ `
  var index = 0u;
  for (var j = 0u; j < p.dim; j++) {
    let z = x[row * p.dim + j];
    let m = j * 6u;
    let t0 = levelMeta[m];
    var lo = 0u;
    var hi = levelMeta[m + 1u];
    while (lo < hi) {
      let mid = (lo + hi) / 2u;
      if (z >= table[t0 + mid]) { lo = mid + 1u; } else { hi = mid; }
    }
    let b = levelMeta[m + 2u] + lo;
    index += b * levelMeta[m + 4u];
    outCodes[row * p.dim + j] = table[levelMeta[m + 3u] + b];
  }
  outIdx[row] = i32(index);
`,
});

/** FSQ decode: mixed-radix digits of each index, codes looked up from the oracle's table. */
export const fsqDecodeProgram = rowProgram('fsq/decode', {
  params: 'rows: u32, dim: u32',
  bindings: [
    ['indices', 'read', 'array<i32>'],
    ['levelMeta', 'read', 'array<u32>'],
    ['table', 'read', 'array<f32>'],
    ['out', 'read_write', 'array<f32>'],
  ],
  id: 'row',
  count: 'rows',
  body: /* wgsl */ `
  let index = u32(indices[row]);
  for (var j = 0u; j < p.dim; j++) {
    let m = j * 6u;
    let b = (index / levelMeta[m + 4u]) % levelMeta[m + 5u];
    out[row * p.dim + j] = table[levelMeta[m + 3u] + b];
  }
`,
});

/** LFQ encode: a bit per positive value; weight 2^(dim-1-j) with msbFirst, else 2^j. */
export const lfqEncodeProgram = rowProgram('lfq/encode', {
  params: 'rows: u32, dim: u32, msbFirst: u32, scale: f32',
  bindings: [
    ['x', 'read', 'array<f32>'],
    ['outIdx', 'read_write', 'array<i32>'],
    ['outCodes', 'read_write', 'array<f32>'],
  ],
  id: 'row',
  count: 'rows',
  body: /* wgsl */ `
  var index = 0u;
  for (var j = 0u; j < p.dim; j++) {
    let positive = x[row * p.dim + j] > 0.0;
    let w = select(j, p.dim - 1u - j, p.msbFirst != 0u);
    if (positive) { index |= 1u << w; }
    outCodes[row * p.dim + j] = select(-p.scale, p.scale, positive);
  }
  outIdx[row] = i32(index);
`,
});

/** LFQ decode: bit j of each index (two's complement, as the oracle's floor-division reads it). */
export const lfqDecodeProgram = rowProgram('lfq/decode', {
  params: 'rows: u32, dim: u32, msbFirst: u32, scale: f32',
  bindings: [
    ['indices', 'read', 'array<i32>'],
    ['out', 'read_write', 'array<f32>'],
  ],
  id: 'row',
  count: 'rows',
  body: /* wgsl */ `
  let index = u32(indices[row]);
  for (var j = 0u; j < p.dim; j++) {
    let w = select(j, p.dim - 1u - j, p.msbFirst != 0u);
    let bit = ((index >> w) & 1u) != 0u;
    out[row * p.dim + j] = select(-p.scale, p.scale, bit);
  }
`,
});
