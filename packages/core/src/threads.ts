/**
 * The thread budget: how many threads one tokenizing thread's native pools may use — onnxruntime's
 * intra-op pool (the ort kernel backend and ONNX tokenizer sessions) and sharp's libvips pool.
 * Unset, each pool takes every core, which is right for one tokenizer in a process. A program that
 * runs several at once (the dataset pool's worker threads) sets it once per thread, before any
 * tokenizer loads, so that workers × budget ≈ cores instead of workers × cores.
 */
import { MmtokError } from './errors.js';

let budget: number | undefined;
const listeners: ((threads: number) => void)[] = [];

/** Sets this thread's budget; sessions created from now on use it. */
export function setThreadBudget(threads: number): void {
  if (!(Number.isInteger(threads) && threads > 0)) {
    throw new MmtokError('MMTOK_CONFIG', `threads must be a positive integer, got ${threads}`);
  }
  budget = threads;
  for (const apply of listeners) apply(threads);
}

/** This thread's budget, or undefined when none was set (each pool then takes every core). */
export function threadBudget(): number | undefined {
  return budget;
}

/**
 * Calls `apply` with the budget now, when one is set, and each time it is set: for a pool that
 * exists before the budget does (sharp's, loaded with the module that sets it).
 */
export function onThreadBudget(apply: (threads: number) => void): void {
  listeners.push(apply);
  if (budget !== undefined) apply(budget);
}
