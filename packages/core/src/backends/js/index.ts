import type { Backend, BackendProvider } from '../backend.js';
import { affine } from './affine.js';
import { kmeansAssign, kmeansUpdate } from './kmeans.js';
import { gather, nearestCode, residualNearestCode } from './nearest.js';
import { fsqDecode, fsqEncode, lfqDecode, lfqEncode } from './scalar.js';

/** Plain TypeScript kernels: always available, and the oracle the other backends are tested against. */
export const jsBackend: Backend = {
  name: 'js',
  kernels: {
    nearestCode,
    residualNearestCode,
    fsqEncode,
    fsqDecode,
    lfqEncode,
    lfqDecode,
    affine,
    gather,
    kmeansAssign,
    kmeansUpdate,
  },
};

export const jsProvider: BackendProvider = { name: 'js', priority: 0, load: async () => jsBackend };
