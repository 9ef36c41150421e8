// AssemblyScript source of the wasm backend's kernels (built by scripts/build-wasm.ts with SIMD).
// No allocation: the host lays out every buffer in linear memory and passes pointers. Buffers are
// padded to whole vectors, so kernels may read and write a few lanes past the last element.

/** First byte the host may use (16-aligned). */
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}

// FSQ encode table, one block per phase (a run of 4 elements whose dimensions repeat every
// `phases` vectors): base i32x4, basis i32x4, code A, B, C f32x4, then `k` threshold vectors
// (NaN where a lane has fewer thresholds, so the comparison is never true).
const FSQ_HEADER: usize = 80;

// Level = base + #{thresholds ≤ x}, exactly the oracle's rule: f32x4.ge is -1 per passed threshold.
@inline
function fsqLevel(x: v128, level: v128, t: usize, k: i32): v128 {
  for (let i = 0; i < k; i++) level = i32x4.sub(level, f32x4.ge(x, v128.load(t + (<usize>i << 4))));
  return level;
}

// Code = (level·A − B) / C in float32: fsqLevelCode's steps (A=1, B=C=L/2 standard; A=2/(L−1),
// B=1, C=1 symmetric), each correctly rounded as the oracle's Math.fround of a double result.
@inline
function fsqCode(level: v128, a: v128, b: v128, c: v128): v128 {
  return f32x4.div(f32x4.sub(f32x4.mul(f32x4.convert_i32x4_s(level), a), b), c);
}

/** FSQ with 4 dimensions: one row per vector, four rows per step, codes written over x. */
export function fsqEncode4(x: usize, indices: usize, rows: i32, table: usize, k: i32): void {
  const base = v128.load(table);
  const basis = v128.load(table, 16);
  const a = v128.load(table, 32);
  const b = v128.load(table, 48);
  const c = v128.load(table, 64);
  const t = table + FSQ_HEADER;
  for (let r = 0; r < rows; r += 4) {
    const p = x + (<usize>r << 4);
    const x0 = v128.load(p);
    const x1 = v128.load(p, 16);
    const x2 = v128.load(p, 32);
    const x3 = v128.load(p, 48);
    let l0 = base;
    let l1 = base;
    let l2 = base;
    let l3 = base;
    for (let i = 0; i < k; i++) {
      const ti = v128.load(t + (<usize>i << 4));
      l0 = i32x4.sub(l0, f32x4.ge(x0, ti));
      l1 = i32x4.sub(l1, f32x4.ge(x1, ti));
      l2 = i32x4.sub(l2, f32x4.ge(x2, ti));
      l3 = i32x4.sub(l3, f32x4.ge(x3, ti));
    }
    v128.store(p, fsqCode(l0, a, b, c));
    v128.store(p, fsqCode(l1, a, b, c), 16);
    v128.store(p, fsqCode(l2, a, b, c), 32);
    v128.store(p, fsqCode(l3, a, b, c), 48);
    const d0 = i32x4.mul(l0, basis);
    const d1 = i32x4.mul(l1, basis);
    const d2 = i32x4.mul(l2, basis);
    const d3 = i32x4.mul(l3, basis);
    // Transposed horizontal sums: lane r of the result is row r's index.
    const s01 = i32x4.add(i32x4.shuffle(d0, d1, 0, 2, 4, 6), i32x4.shuffle(d0, d1, 1, 3, 5, 7));
    const s23 = i32x4.add(i32x4.shuffle(d2, d3, 0, 2, 4, 6), i32x4.shuffle(d2, d3, 1, 3, 5, 7));
    v128.store(
      indices + (<usize>r << 2),
      i32x4.add(i32x4.shuffle(s01, s23, 0, 2, 4, 6), i32x4.shuffle(s01, s23, 1, 3, 5, 7)),
    );
  }
}

/**
 * FSQ with any number of dimensions: x as a stream of vectors whose lanes' dimensions cycle
 * through `phases` table blocks; codes written over x, level·basis per element into `digits`.
 */
export function fsqEncodeStream(x: usize, digits: usize, elements: i32, table: usize, phases: i32, k: i32): void {
  const stride: usize = FSQ_HEADER + (<usize>k << 4);
  let phase = 0;
  let block = table;
  for (let e = 0; e < elements; e += 4) {
    const p = x + (<usize>e << 2);
    const level = fsqLevel(v128.load(p), v128.load(block), block + FSQ_HEADER, k);
    v128.store(p, fsqCode(level, v128.load(block, 32), v128.load(block, 48), v128.load(block, 64)));
    v128.store(digits + (<usize>e << 2), i32x4.mul(level, v128.load(block, 16)));
    if (++phase === phases) {
      phase = 0;
      block = table;
    } else block += stride;
  }
}

/** Index per row: the sum of its digits (wrapping like the oracle's Int32Array). */
export function rowSums(digits: usize, indices: usize, rows: i32, dim: i32): void {
  let p = digits;
  if ((dim & 3) === 0) {
    for (let r = 0; r < rows; r++) {
      let s = i32x4.splat(0);
      for (let j = 0; j < dim; j += 4, p += 16) s = i32x4.add(s, v128.load(p));
      const h = i32x4.add(s, i32x4.shuffle(s, s, 2, 3, 0, 1));
      store<i32>(indices + (<usize>r << 2), i32x4.extract_lane(h, 0) + i32x4.extract_lane(h, 1));
    }
    return;
  }
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < dim; j++, p += 4) s += load<i32>(p);
    store<i32>(indices + (<usize>r << 2), s);
  }
}

// FSQ decode table, one 80-byte block per pair of dimensions: basis f64x2, levels f64x2, then
// code A, B, C f32x4 (lanes 0 and 1). An odd last pair has a dummy second dimension.
export function fsqDecode(indices: usize, out: usize, rows: i32, dim: i32, table: usize): void {
  const pairs = (dim + 1) >> 1;
  for (let r = 0; r < rows; r++) {
    const v = f64x2.convert_low_i32x4_s(v128.load32_splat(indices + (<usize>r << 2)));
    let o = out + <usize>(r * dim) * 4;
    let block = table;
    for (let q = 0; q < pairs; q++, o += 8, block += 80) {
      // The oracle's floor(index / basis) % L in float64: exact for int32 operands.
      const quotient = f64x2.floor(f64x2.div(v, v128.load(block)));
      const levels = v128.load(block, 16);
      const level = f64x2.sub(quotient, f64x2.mul(f64x2.trunc(f64x2.div(quotient, levels)), levels));
      const code = f32x4.div(
        f32x4.sub(f32x4.mul(f32x4.demote_f64x2_zero(level), v128.load(block, 32)), v128.load(block, 48)),
        v128.load(block, 64),
      );
      // An odd dim's spare lane lands on the next row's first slot, rewritten next.
      v128.store64_lane(o, code, 0);
    }
  }
}

// LFQ: bit j of a row is x > 0 (so ±0 is a 0 bit); msbFirst puts dimension 0 at bit dim−1.
@inline
function lfqEncodeRows(x: usize, indices: usize, rows: i32, dim: i32, scale: f32, msbFirst: bool): void {
  const pos = f32x4.splat(scale);
  const neg = f32x4.splat(-scale);
  const zero = f32x4.splat(0);
  const full = dim & ~3;
  let p = x;
  for (let r = 0; r < rows; r++) {
    let index = 0;
    let j = 0;
    for (; j < full; j += 4, p += 16) {
      const m = f32x4.gt(v128.load(p), zero);
      v128.store(p, v128.bitselect(pos, neg, m));
      if (msbFirst) index |= i32x4.bitmask(i32x4.shuffle(m, m, 3, 2, 1, 0)) << (dim - 4 - j);
      else index |= i32x4.bitmask(m) << j;
    }
    for (; j < dim; j++, p += 4) {
      if (load<f32>(p) > 0) {
        index |= 1 << (msbFirst ? dim - 1 - j : j);
        store<f32>(p, scale);
      } else store<f32>(p, -scale);
    }
    store<i32>(indices + (<usize>r << 2), index);
  }
}

/** Codes written over x. */
export function lfqEncode(x: usize, indices: usize, rows: i32, dim: i32, scale: f32, msbFirst: bool): void {
  if (msbFirst) lfqEncodeRows(x, indices, rows, dim, scale, true);
  else lfqEncodeRows(x, indices, rows, dim, scale, false);
}

@inline
function lfqDecodeRows(indices: usize, out: usize, rows: i32, dim: i32, scale: f32, msbFirst: bool): void {
  const pos = f32x4.splat(scale);
  const neg = f32x4.splat(-scale);
  const zero = i32x4.splat(0);
  const full = dim & ~3;
  let p = out;
  for (let r = 0; r < rows; r++) {
    const index = load<i32>(indices + (<usize>r << 2));
    const splat = i32x4.splat(index);
    let j = 0;
    for (; j < full; j += 4, p += 16) {
      const bits = msbFirst ? i32x4.shl(i32x4(8, 4, 2, 1), dim - 4 - j) : i32x4.shl(i32x4(1, 2, 4, 8), j);
      v128.store(p, v128.bitselect(neg, pos, i32x4.eq(v128.and(splat, bits), zero)));
    }
    for (; j < dim; j++, p += 4) store<f32>(p, index & (1 << (msbFirst ? dim - 1 - j : j)) ? scale : -scale);
  }
}

export function lfqDecode(indices: usize, out: usize, rows: i32, dim: i32, scale: f32, msbFirst: bool): void {
  if (msbFirst) lfqDecodeRows(indices, out, rows, dim, scale, true);
  else lfqDecodeRows(indices, out, rows, dim, scale, false);
}
