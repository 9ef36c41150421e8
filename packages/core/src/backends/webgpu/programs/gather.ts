import { rowProgram } from './row-kernel.js';

/** Codebook rows by index, one output element per invocation (coalesced writes); bad indices give 0. */
export const gatherProgram = rowProgram('gather', {
  params: 'elements: u32, dim: u32, k: u32',
  bindings: [
    ['indices', 'read', 'array<i32>'],
    ['cb', 'read', 'array<f32>'],
    ['out', 'read_write', 'array<f32>'],
  ],
  id: 'e',
  count: 'elements',
  body: /* wgsl */ `
  let index = indices[e / p.dim];
  var v = 0.0;
  if (index >= 0 && u32(index) < p.k) { v = cb[u32(index) * p.dim + e % p.dim]; }
  out[e] = v;
`,
});
