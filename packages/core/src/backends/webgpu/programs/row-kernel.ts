import type { WgslProgram } from '../program.js';

/** Invocations per workgroup of the one-item-per-invocation programs. */
export const WORKGROUP = 256;

// Large inputs may need more workgroups than one grid dimension allows; dispatches fold the
// excess into y, and every program linearizes the id the same way.
const BUILTINS =
  '@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32';

/** A storage binding after the uniform params (binding 0): [name, access, type], e.g. ['x', 'read', 'array<f32>']. */
export type StorageBinding = readonly [name: string, access: 'read' | 'read_write', type: string];

/**
 * WGSL for a program doing one item per invocation: params struct `p` at binding 0, the storage
 * bindings from 1, then `main` with the linear item id `id` and its guard against `p.<count>`
 * before `body` (starting and ending with a newline, indented two spaces).
 */
export interface RowKernelSpec {
  params: string;
  bindings: readonly StorageBinding[];
  id: string;
  count: string;
  body: string;
}

export function rowKernel(o: RowKernelSpec): string {
  const bindings = o.bindings
    .map(([name, access, type], i) => `@group(0) @binding(${i + 1}) var<storage, ${access}> ${name}: ${type};`)
    .join('\n');
  return `
const WG = ${WORKGROUP}u;
struct Params { ${o.params} }
@group(0) @binding(0) var<uniform> p: Params;
${bindings}

@compute @workgroup_size(WG)
fn main(${BUILTINS}) {
  let ${o.id} = (wid.x + wid.y * nwg.x) * WG + lid;
  if (${o.id} >= p.${o.count}) { return; }${o.body}}
`;
}

/** A one-item-per-invocation program: its pipeline-cache key and the WGSL rowKernel makes of `spec`. */
export function rowProgram(key: string, spec: RowKernelSpec): WgslProgram {
  const source = rowKernel(spec);
  return { key, workgroupSize: WORKGROUP, itemsPerWorkgroup: WORKGROUP, source: () => source };
}
