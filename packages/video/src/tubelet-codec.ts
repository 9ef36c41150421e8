import type { AnyQuantizer } from '@mmtok/core';
import type { GridCodes, VideoGroupCodec } from './codec.js';
import type { LinearTubeletTransform } from './linear-transform.js';
import { type Normalization, tubeletize, untubeletize } from './tubelets.js';
import type { VideoSource } from './types.js';

/**
 * The built-in tubelet codec: T×P×P×3 tubelets → PCA → quantizer → inverse. The causal first frame
 * goes through the same transform repeated T times; on decode the T reconstructions are averaged
 * back into one frame (they estimate the same frame, so averaging only removes error).
 */
export class TubeletCodec implements VideoGroupCodec {
  readonly temporalPatch: number;
  readonly levels: number;

  constructor(
    readonly linear: LinearTubeletTransform,
    readonly quantizer: AnyQuantizer,
    readonly causal: boolean,
    private readonly norm: Normalization,
    private readonly backend: string | undefined,
  ) {
    this.temporalPatch = linear.temporalPatch;
    this.levels = quantizer.numQuantizers;
  }

  get cellSize(): number {
    return this.linear.patchSize;
  }

  async encodeGroup(frames: Uint8Array[], width: number, height: number, first: boolean): Promise<GridCodes> {
    const T = this.temporalPatch;
    const group = first ? Array.from({ length: T }, () => frames[0]) : frames;
    const t = tubeletize(group, width, height, this.linear.patchSize, this.norm);
    const z = await this.linear.forward(t.rows, { backend: this.backend });
    const n = t.gridH * t.gridW;
    const idx = await this.quantizer.encode({ data: z, shape: [n, this.linear.dim] }, { backend: this.backend });
    return { indices: idx.data, gridH: t.gridH, gridW: t.gridW, levels: this.levels };
  }

  async decodeGroup(codes: GridCodes, source: VideoSource, first: boolean): Promise<Uint8Array[]> {
    const n = codes.gridH * codes.gridW;
    const shape = this.levels === 1 ? [n] : [n, this.levels];
    const z = (await this.quantizer.decode({ data: codes.indices, shape }, { backend: this.backend })).data;
    const rows = await this.linear.inverse(z, { backend: this.backend });
    const T = this.temporalPatch;
    const frames = untubeletize(
      { rows, gridH: codes.gridH, gridW: codes.gridW },
      T,
      this.linear.patchSize,
      source.width,
      source.height,
      this.norm,
    );
    if (!first) return frames;
    const avg = new Uint8Array(frames[0].length);
    for (let i = 0; i < avg.length; i++) {
      let s = 0;
      for (const f of frames) s += f[i];
      avg[i] = Math.round(s / T);
    }
    return [avg];
  }

  async dispose(): Promise<void> {}
}
