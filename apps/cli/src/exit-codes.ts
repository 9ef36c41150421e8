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

/**
 * The single place that maps an error to an exit status: codes that mean "fix the command line",
 * not "fix the data", exit 2, every other error 1. A switch inside the function (not a module-level
 * set) so the mapping is evaluated per call, where mutation testing can see it.
 */
export function exitCodeForError(e: unknown): ExitCode {
  switch (errorInfo(e).code) {
    case 'MMTOK_USAGE':
    case 'MMTOK_OUTPUT_CONFLICT':
      return EXIT.usage;
    default:
      return EXIT.error;
  }
}

/** Exit status of a batch command from how many inputs succeeded and failed. */
export function exitCodeForBatch(succeeded: number, failed: number): ExitCode {
  if (failed === 0) return EXIT.ok;
  return succeeded === 0 ? EXIT.error : EXIT.partial;
}
