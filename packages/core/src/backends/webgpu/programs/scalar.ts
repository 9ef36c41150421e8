import type { WgslProgram } from '../program.js';

const WORKGROUP = 256;

// Large inputs may need more workgroups than one grid dimension allows; dispatches fold the
// excess into y, and every program linearizes the id the same way.
const LINEAR_ID = 'let row = (wid.x + wid.y * nwg.x) * WG + lid;';
const BUILTINS =
  '@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32';

/**
 * FSQ encode, one row per invocation. Each dimension's level index is found by binary search over
 * that level's thresholds: the smallest float32 input at which the js oracle's tanh/clamp, scale,
 * offset and round-half-to-even reach each index, found on the CPU. Comparisons are exact, so the
 * indices (and the codes, looked up from the oracle's own table) are identical to the oracle's,
 * with no dependence on the GPU's tanh accuracy.
 *
 * levelMeta per dimension: [thresholdOffset, thresholdCount, baseIndex, codeOffset, basis, levels].
 */
export class FsqEncodeProgram implements WgslProgram {
  readonly key = 'fsq/encode';
  readonly workgroupSize = WORKGROUP;
  readonly itemsPerWorkgroup = WORKGROUP;

  source(): string {
    return /* wgsl */ `
const WG = ${WORKGROUP}u;
struct Params { rows: u32, dim: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> levelMeta: array<u32>;
@group(0) @binding(3) var<storage, read> table: array<f32>;
@group(0) @binding(4) var<storage, read_write> outIdx: array<i32>;
@group(0) @binding(5) var<storage, read_write> outCodes: array<f32>;

@compute @workgroup_size(WG)
fn main(${BUILTINS}) {
  ${LINEAR_ID}
  if (row >= p.rows) { return; }
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
}
`;
  }
}

/** FSQ decode: mixed-radix digits of each index, codes looked up from the oracle's table. */
export class FsqDecodeProgram implements WgslProgram {
  readonly key = 'fsq/decode';
  readonly workgroupSize = WORKGROUP;
  readonly itemsPerWorkgroup = WORKGROUP;

  source(): string {
    return /* wgsl */ `
const WG = ${WORKGROUP}u;
struct Params { rows: u32, dim: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> indices: array<i32>;
@group(0) @binding(2) var<storage, read> levelMeta: array<u32>;
@group(0) @binding(3) var<storage, read> table: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn main(${BUILTINS}) {
  ${LINEAR_ID}
  if (row >= p.rows) { return; }
  let index = u32(indices[row]);
  for (var j = 0u; j < p.dim; j++) {
    let m = j * 6u;
    let b = (index / levelMeta[m + 4u]) % levelMeta[m + 5u];
    out[row * p.dim + j] = table[levelMeta[m + 3u] + b];
  }
}
`;
  }
}

/** LFQ encode: a bit per positive value; weight 2^(dim-1-j) with msbFirst, else 2^j. */
export class LfqEncodeProgram implements WgslProgram {
  readonly key = 'lfq/encode';
  readonly workgroupSize = WORKGROUP;
  readonly itemsPerWorkgroup = WORKGROUP;

  source(): string {
    return /* wgsl */ `
const WG = ${WORKGROUP}u;
struct Params { rows: u32, dim: u32, msbFirst: u32, scale: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> outIdx: array<i32>;
@group(0) @binding(3) var<storage, read_write> outCodes: array<f32>;

@compute @workgroup_size(WG)
fn main(${BUILTINS}) {
  ${LINEAR_ID}
  if (row >= p.rows) { return; }
  var index = 0u;
  for (var j = 0u; j < p.dim; j++) {
    let positive = x[row * p.dim + j] > 0.0;
    let w = select(j, p.dim - 1u - j, p.msbFirst != 0u);
    if (positive) { index |= 1u << w; }
    outCodes[row * p.dim + j] = select(-p.scale, p.scale, positive);
  }
  outIdx[row] = i32(index);
}
`;
  }
}

/** LFQ decode: bit j of each index (two's complement, as the oracle's floor-division reads it). */
export class LfqDecodeProgram implements WgslProgram {
  readonly key = 'lfq/decode';
  readonly workgroupSize = WORKGROUP;
  readonly itemsPerWorkgroup = WORKGROUP;

  source(): string {
    return /* wgsl */ `
const WG = ${WORKGROUP}u;
struct Params { rows: u32, dim: u32, msbFirst: u32, scale: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> indices: array<i32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn main(${BUILTINS}) {
  ${LINEAR_ID}
  if (row >= p.rows) { return; }
  let index = u32(indices[row]);
  for (var j = 0u; j < p.dim; j++) {
    let w = select(j, p.dim - 1u - j, p.msbFirst != 0u);
    let bit = ((index >> w) & 1u) != 0u;
    out[row * p.dim + j] = select(-p.scale, p.scale, bit);
  }
}
`;
  }
}
