/** Runs fn and returns the MmtokError code it throws (undefined when it does not throw). */
export function errorCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code ?? 'NOT_MMTOK';
  }
  return undefined;
}

export function randn(): number {
  return Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
}
