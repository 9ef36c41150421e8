import type { WgslProgram } from '../program.js';

const WORKGROUP = 64;

/**
 * Sums of row segments for k-means updates, one workgroup per segment. Rows arrive grouped by
 * cluster (an index permutation) and each cluster is cut into segments of bounded length, so a
 * collapsed cluster holding most rows is spread over many workgroups instead of serializing one.
 * Invocations take consecutive dimensions: each row is read coalesced. WGSL has no float atomics;
 * the per-segment partials are summed per cluster afterwards.
 *
 * segments: [start, length] pairs into `order`; partial: [segments, dim].
 */
export class SegmentSumProgram implements WgslProgram {
  readonly key = 'segment-sum';
  readonly workgroupSize = WORKGROUP;
  readonly itemsPerWorkgroup = 1;

  source(): string {
    return /* wgsl */ `
const WG = ${WORKGROUP}u;
struct Params { segments: u32, dim: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> order: array<u32>;
@group(0) @binding(3) var<storage, read> segments: array<u32>;
@group(0) @binding(4) var<storage, read_write> partial: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let s = wid.x + wid.y * nwg.x;
  if (s >= p.segments) { return; }
  let start = segments[2u * s];
  let end = start + segments[2u * s + 1u];
  for (var j = lid; j < p.dim; j += WG) {
    var acc = 0.0;
    for (var i = start; i < end; i++) { acc += x[order[i] * p.dim + j]; }
    partial[s * p.dim + j] = acc;
  }
}
`;
  }
}
