import { errorInfo } from './errors.js';

/** The process exit statuses of `mmtok`; docs/cli.md documents the same table. */
export const EXIT = {
  /** Everything asked for was done. */
  ok: 0,
  /** Nothing (or nothing useful) was done: bad data, unreadable input, foreign token file, I/O failure. */
  error: 1,
  /** The command line itself was wrong: unknown option, missing argument, bad option value. */
  usage: 2,
  /** Several inputs were given and some failed; the outputs of the others were written. */
  partial: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Error codes that mean "fix the command line", not "fix the data". */
const USAGE_CODES = new Set(['MMTOK_USAGE', 'MMTOK_OUTPUT_CONFLICT']);

/** The single place that maps an error to an exit status. */
export function exitCodeForError(e: unknown): ExitCode {
  return USAGE_CODES.has(errorInfo(e).code) ? EXIT.usage : EXIT.error;
}

/** Exit status of a batch command from how many inputs succeeded and failed. */
export function exitCodeForBatch(succeeded: number, failed: number): ExitCode {
  if (failed === 0) return EXIT.ok;
  return succeeded === 0 ? EXIT.error : EXIT.partial;
}
