import { errorInfo } from './errors.js';
import type { ProgressCallback } from './progress.js';

/** An input that failed while its siblings went on. */
export interface FileFailure {
  input: string;
  code: string;
  message: string;
}

/**
 * Runs `work` over items one at a time (the tokenizer already uses the cores), collecting failures
 * instead of stopping: a data team's 10,000th image being corrupt must not lose the other 9,999.
 */
export async function runEach<I, R>(
  items: readonly I[],
  name: (item: I) => string,
  work: (item: I) => Promise<R>,
  progress?: { phase: string; onProgress?: ProgressCallback },
): Promise<{ results: R[]; failures: FileFailure[] }> {
  const results: R[] = [];
  const failures: FileFailure[] = [];
  let done = 0;
  progress?.onProgress?.({ phase: progress.phase, done, total: items.length });
  for (const item of items) {
    try {
      results.push(await work(item));
    } catch (e) {
      const { code, message } = errorInfo(e);
      const input = name(item);
      failures.push({ input, code, message: message.includes(input) ? message : `${input}: ${message}` });
    }
    done++;
    progress?.onProgress?.({ phase: progress.phase, done, total: items.length, item: name(item) });
  }
  return { results, failures };
}
