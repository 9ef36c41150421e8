/**
 * A WGSL compute program: everything needed to build its pipeline once and dispatch it many times.
 * `key` must change whenever `source()` would; the context caches compiled pipelines by it.
 */
export interface WgslProgram {
  readonly key: string;
  /** Invocations per workgroup (1-D workgroups throughout this backend). */
  readonly workgroupSize: number;
  /** Items (rows, elements, segments) one workgroup covers; dispatch size is ceil(items / this). */
  readonly itemsPerWorkgroup: number;
  source(): string;
}

/** Workgroups needed for `items`; callers chunk so this stays under maxComputeWorkgroupsPerDimension. */
export function workgroupsFor(program: WgslProgram, items: number): number {
  return Math.max(1, Math.ceil(items / program.itemsPerWorkgroup));
}

/**
 * Start value for running minima: WGSL rejects infinite constants, so the largest finite f32.
 * Only a distance of exactly this value (or inf/NaN, which the js oracle skips too) fails to win.
 */
export const WGSL_F32_MAX = '0x1.fffffep+127f';
