/** Stable error codes: callers switch on `code`, never on message text. */
export type MmtokErrorCode =
  | 'MMTOK_SHAPE'
  | 'MMTOK_NONFINITE'
  | 'MMTOK_EMPTY'
  | 'MMTOK_INDEX_RANGE'
  | 'MMTOK_CONFIG'
  | 'MMTOK_BACKEND'
  | 'MMTOK_FILE_FORMAT'
  | 'MMTOK_CHECKSUM'
  | 'MMTOK_MISMATCH'
  | 'MMTOK_IO'
  | 'MMTOK_TOKEN_FILE'
  | (string & {});

export class MmtokError extends Error {
  readonly code: MmtokErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: MmtokErrorCode, message: string, details?: Record<string, unknown>) {
    super(`${code}: ${message}`);
    this.name = 'MmtokError';
    this.code = code;
    this.details = details;
  }
}

export function isMmtokError(e: unknown, code?: MmtokErrorCode): e is MmtokError {
  return e instanceof MmtokError && (code === undefined || e.code === code);
}
