import type { FrameGroup } from './types.js';

/** One token time step's worth of frames. */
export interface CausalGroup {
  /** 1 frame for the causal first step, else T (a short tail padded by repeating its last frame). */
  frames: Uint8Array[];
  /** Frames that are real (not padding). */
  real: number;
  width: number;
  height: number;
  /** Token step index. */
  step: number;
  /** True for the causal first step (one frame on its own). */
  first: boolean;
}

/**
 * Regroups a frame stream into token steps as Cosmos / MAGVIT-v2 do: with `causal`, the first frame
 * alone, then groups of T; without, groups of T from the start. Holds at most T frames at a time.
 */
export async function* causalGroups(
  source: AsyncIterable<FrameGroup>,
  T: number,
  causal: boolean,
): AsyncGenerator<CausalGroup> {
  let buf: Uint8Array[] = [];
  let step = 0;
  let w = 0;
  let h = 0;
  const want = () => (causal && step === 0 ? 1 : T);
  for await (const g of source) {
    w = g.width;
    h = g.height;
    for (const f of g.frames) {
      buf.push(f);
      if (buf.length === want()) {
        yield { frames: buf, real: buf.length, width: w, height: h, step, first: causal && step === 0 };
        step++;
        buf = [];
      }
    }
  }
  if (buf.length) {
    const real = buf.length;
    while (buf.length < T) buf.push(buf[buf.length - 1]);
    yield { frames: buf, real, width: w, height: h, step, first: false };
  }
}

/** Token steps for n frames: 1 + ceil((n − 1) / T) when causal, ceil(n / T) otherwise. */
export function tokenSteps(n: number, T: number, causal: boolean): number {
  if (n <= 0) return 0;
  return causal ? 1 + Math.ceil((n - 1) / T) : Math.ceil(n / T);
}
