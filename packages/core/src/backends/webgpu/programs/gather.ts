import type { WgslProgram } from '../program.js';

const WORKGROUP = 256;

/** Codebook rows by index, one output element per invocation (coalesced writes); bad indices give 0. */
export class GatherProgram implements WgslProgram {
  readonly key = 'gather';
  readonly workgroupSize = WORKGROUP;
  readonly itemsPerWorkgroup = WORKGROUP;

  source(): string {
    return /* wgsl */ `
const WG = ${WORKGROUP}u;
struct Params { elements: u32, dim: u32, k: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> indices: array<i32>;
@group(0) @binding(2) var<storage, read> cb: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let e = (wid.x + wid.y * nwg.x) * WG + lid;
  if (e >= p.elements) { return; }
  let index = indices[e / p.dim];
  var v = 0.0;
  if (index >= 0 && u32(index) < p.k) { v = cb[u32(index) * p.dim + e % p.dim]; }
  out[e] = v;
}
`;
  }
}
