import { isMmtokError, MmtokError } from '@mmtok/core';

/** A command-line mistake (exit status 2). */
export function usageError(message: string, details?: Record<string, unknown>): MmtokError {
  return new MmtokError('MMTOK_USAGE', message, details);
}

export interface ErrorInfo {
  code: string;
  message: string;
}

/** An MmtokError from another copy of @mmtok/core (e.g. dist beside source), where instanceof fails. */
function isForeignMmtokError(e: unknown): e is MmtokError {
  return e instanceof Error && e.name === 'MmtokError' && typeof (e as { code?: unknown }).code === 'string';
}

/**
 * Code and plain message of any thrown value. MmtokError prefixes its message with the code; we
 * strip it so the CLI can print `mmtok: <message> (<CODE>)` once.
 */
export function errorInfo(e: unknown): ErrorInfo {
  if (isMmtokError(e) || isForeignMmtokError(e)) return { code: e.code, message: e.message.replace(`${e.code}: `, '') };
  // cac throws CACError for unknown options, missing arguments and missing option values.
  if (e instanceof Error && e.name === 'CACError') return { code: 'MMTOK_USAGE', message: e.message };
  if (e instanceof Error) {
    const sys = (e as NodeJS.ErrnoException).code;
    return { code: sys ? 'MMTOK_IO' : 'MMTOK_INTERNAL', message: e.message };
  }
  return { code: 'MMTOK_INTERNAL', message: String(e) };
}
