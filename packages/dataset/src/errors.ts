import { isMmtokError, MmtokError } from '@mmtok/core';

export interface ErrorInfo {
  code: string;
  message: string;
}

/** Code and plain message of anything thrown (an MmtokError's message without its code prefix). */
export function errorInfo(e: unknown): ErrorInfo {
  // Also an MmtokError from another copy of @mmtok/core (dist beside source), where instanceof fails.
  const named = e instanceof Error && e.name === 'MmtokError' && typeof (e as { code?: unknown }).code === 'string';
  if (isMmtokError(e) || named) {
    const { code, message } = e as unknown as { code: string; message: string };
    return { code, message: message.replace(`${code}: `, '') };
  }
  if (e instanceof Error)
    return { code: (e as NodeJS.ErrnoException).code ? 'MMTOK_IO' : 'MMTOK_INTERNAL', message: e.message };
  return { code: 'MMTOK_INTERNAL', message: String(e) };
}

/** A count option (`what`: its name in the message) checked to be a positive integer, or MMTOK_CONFIG. */
export function checkPositiveInteger(what: string, n: number): number {
  if (!(Number.isSafeInteger(n) && n > 0)) {
    throw new MmtokError('MMTOK_CONFIG', `${what} must be a positive integer, got ${n}`);
  }
  return n;
}
