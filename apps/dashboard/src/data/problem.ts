/** A message the page shows instead of a view it cannot render: what went wrong, and what to do. */
export interface Problem {
  title: string;
  detail: string;
  hint?: string;
  /** Stable code (MMTOK_REPORT_VERSION, …) when the failure came from an mmtok parser. */
  code?: string;
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The code of an MmtokError (checked by shape: the error may come from another bundle copy). */
export function errorCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
