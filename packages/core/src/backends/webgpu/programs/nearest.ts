import type { Metric } from '../../ops.js';
import { WGSL_F32_MAX, type WgslProgram } from '../program.js';

/** What the nearest-code program writes besides the index. */
export type NearestOutput = 'index' | 'index+distance' | 'index+residual';

// Tile shape. A workgroup owns ROWS_PER_THREAD * WORKGROUP rows and walks the codebook in tiles of
// CODE_TILE codes, the dimension in slices of DIM_TILE: per slice, the row block and the code tile
// are staged in workgroup memory with coalesced loads, each thread copies its rows' slice into
// registers and accumulates ROWS_PER_THREAD x CODE_TILE partial distances. Every code value read from
// workgroup memory (a broadcast) feeds ROWS_PER_THREAD rows.
const WORKGROUP = 64;
const ROWS_PER_THREAD = 2;
const CODE_TILE = 32;
const DIM_TILE = 8;

/**
 * Tiled nearest-code search with a fused arg-min: no rows x codes distance matrix ever exists.
 *
 * Euclidean uses exact differences, sum((x - c)^2), not |c|^2 - 2 x.c: it costs one more ALU op per
 * element but cannot cancel catastrophically when rows sit far from the origin relative to their
 * distances, so it agrees with the float64 oracle except on float32-level near ties, and the squared
 * distances it reports are never negative.
 * Rows and codes are staged times a power of two (exact) chosen by the caller from their largest
 * magnitude, so squares neither overflow at 1e20 nor flush to zero at 1e-20.
 * Cosine expects a unit-normalized codebook and minimizes -x.c; each row is scaled by a power of two
 * (exact) so that huge or tiny rows neither overflow nor flush: argmax is scale-invariant.
 * Ties keep the lowest index (strict `<`, codes visited in order), like the js oracle.
 *
 * Bindings: params {rows, dim, k, outStride, outOffset, scale, invScale}, x, codebook, index out, then
 * distance out ('index+distance') or quantized accumulator ('index+residual', where x is the
 * residual and is updated in place).
 */
export class NearestProgram implements WgslProgram {
  readonly workgroupSize = WORKGROUP;
  readonly itemsPerWorkgroup = WORKGROUP * ROWS_PER_THREAD;
  readonly key: string;

  constructor(
    readonly metric: Metric,
    readonly output: NearestOutput,
  ) {
    this.key = `nearest/${metric}/${output}`;
  }

  source(): string {
    const cosine = this.metric === 'cosine';
    const residual = this.output === 'index+residual';
    const extra =
      this.output === 'index+distance'
        ? '@group(0) @binding(4) var<storage, read_write> outDist: array<f32>;'
        : residual
          ? '@group(0) @binding(4) var<storage, read_write> quantized: array<f32>;'
          : '';
    return /* wgsl */ `
const WG = ${WORKGROUP}u;
const R = ${ROWS_PER_THREAD}u;
const TK = ${CODE_TILE}u;
const TD = ${DIM_TILE}u;
const BR = WG * R;
const XS = TD + 1u; // padded row stride: threads read different rows without bank conflicts

struct Params { rows: u32, dim: u32, k: u32, outStride: u32, outOffset: u32, scale: f32, invScale: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, ${residual ? 'read_write' : 'read'}> x: array<f32>;
@group(0) @binding(2) var<storage, read> cb: array<f32>;
@group(0) @binding(3) var<storage, read_write> outIdx: array<i32>;
${extra}

var<workgroup> xs: array<f32, BR * XS>;
var<workgroup> cs: array<f32, TK * TD>;
var<workgroup> rowScale: array<f32, BR>;
var<workgroup> bestShared: array<i32, BR>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) tid: u32) {
  let rowBase = (wid.x + wid.y * nwg.x) * BR;

  // Per-row scale: euclidean uses the caller's power of two (shared by rows and codes, so the
  // arg-min is unchanged); cosine 2^-e with e the exponent of the row's max |x|.
  for (var i = 0u; i < R; i++) {
    let r = tid + i * WG;
    var s = p.scale;
    if (${cosine} && rowBase + r < p.rows) {
      var m = 0.0;
      for (var j = 0u; j < p.dim; j++) { m = max(m, abs(x[(rowBase + r) * p.dim + j])); }
      if (m > 0.0) { s = ldexp(1.0, -frexp(m).exp); }
    }
    rowScale[r] = s;
  }
  workgroupBarrier();

  var bestD: array<f32, R>;
  var bestI: array<i32, R>;
  for (var i = 0u; i < R; i++) { bestD[i] = ${WGSL_F32_MAX}; bestI[i] = 0; }

  for (var k0 = 0u; k0 < p.k; k0 += TK) {
    // Explicitly zeroed: relying on the implicit per-iteration zeroing of a loop-local var fails on lavapipe.
    var acc = array<array<f32, TK>, R>();
    for (var d0 = 0u; d0 < p.dim; d0 += TD) {
      // Stage the row block's slice and the code tile's slice (zeros past the edges add nothing).
      for (var e = tid; e < BR * TD; e += WG) {
        let r = e / TD;
        let j = e % TD;
        var v = 0.0;
        if (rowBase + r < p.rows && d0 + j < p.dim) { v = x[(rowBase + r) * p.dim + d0 + j] * rowScale[r]; }
        xs[r * XS + j] = v;
      }
      for (var e = tid; e < TK * TD; e += WG) {
        let c = e / TD;
        let j = e % TD;
        var v = 0.0;
        if (k0 + c < p.k && d0 + j < p.dim) { v = cb[(k0 + c) * p.dim + d0 + j] * p.scale; }
        cs[c * TD + j] = v;
      }
      workgroupBarrier();
      var xr: array<array<f32, TD>, R>;
      for (var i = 0u; i < R; i++) {
        for (var j = 0u; j < TD; j++) { xr[i][j] = xs[(tid + i * WG) * XS + j]; }
      }
      for (var c = 0u; c < TK; c++) {
        for (var j = 0u; j < TD; j++) {
          let cv = cs[c * TD + j];
          for (var i = 0u; i < R; i++) {
            ${cosine ? 'acc[i][c] -= xr[i][j] * cv;' : 'let t = xr[i][j] - cv; acc[i][c] += t * t;'}
          }
        }
      }
      workgroupBarrier();
    }
    let valid = min(TK, p.k - k0);
    for (var c = 0u; c < valid; c++) {
      for (var i = 0u; i < R; i++) {
        if (acc[i][c] < bestD[i]) { bestD[i] = acc[i][c]; bestI[i] = i32(k0 + c); }
      }
    }
  }

  for (var i = 0u; i < R; i++) {
    let row = rowBase + tid + i * WG;
    if (row < p.rows) {
      outIdx[row * p.outStride + p.outOffset] = bestI[i];
      ${this.output === 'index+distance' ? 'outDist[row] = bestD[i] * p.invScale * p.invScale;' : ''}
    }
    bestShared[tid + i * WG] = bestI[i];
  }
  ${residual ? RESIDUAL_UPDATE : ''}
}
`;
  }
}

// Rows of this workgroup are read by no other workgroup, so after the barrier the block can update
// its own residual rows in place, coalesced across threads.
const RESIDUAL_UPDATE = /* wgsl */ `
  workgroupBarrier();
  let span = min(BR, p.rows - min(p.rows, rowBase)) * p.dim;
  for (var e = tid; e < span; e += WG) {
    let r = e / p.dim;
    let j = e % p.dim;
    let v = cb[u32(bestShared[r]) * p.dim + j];
    let at = (rowBase + r) * p.dim + j;
    x[at] -= v;
    quantized[at] += v;
  }`;
