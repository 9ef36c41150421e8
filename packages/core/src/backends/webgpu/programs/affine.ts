import { rowProgram } from './row-kernel.js';

/** One output element per invocation: bias plus the dot product of its row and its weight row. */
export const affineProgram = rowProgram('affine', {
  params: 'elements: u32, inDim: u32, outDim: u32',
  bindings: [
    ['x', 'read', 'array<f32>'],
    ['w', 'read', 'array<f32>'],
    ['b', 'read', 'array<f32>'],
    ['out', 'read_write', 'array<f32>'],
  ],
  id: 'e',
  count: 'elements',
  body: /* wgsl */ `
  let o = e % p.outDim;
  let xo = (e / p.outDim) * p.inDim;
  let wo = o * p.inDim;
  var s = 0.0;
  for (var j = 0u; j < p.inDim; j++) { s += x[xo + j] * w[wo + j]; }
  out[e] = s + b[o];
`,
});
