/** Number formatting shared by every view (and the end-to-end test, which checks the page's text). */

export function fmtNumber(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return Math.abs(v) >= 1000 ? v.toFixed(1) : v.toPrecision(digits);
}

export function fmtPercent(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return `${(100 * v).toFixed(1)}%`;
}

/** Fixed decimals, for metrics with a unit (PSNR in dB). */
export function fmtFixed(v: number | null | undefined, digits: number): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return v.toFixed(digits);
}

/** Per-metric display: PSNR-like in dB with 2 decimals, everything else 4 significant digits. */
export function fmtMetric(name: string, v: number | null | undefined): string {
  if (/psnr|snr|sdr/i.test(name)) return fmtFixed(v, 2);
  return fmtNumber(v);
}
