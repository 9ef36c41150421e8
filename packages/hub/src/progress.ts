import type { HubProgress } from './hub-options.js';

/** A one-line progress report (bytes, rate) on stderr when it is a terminal; nothing otherwise. */
export function ttyProgress(stream: NodeJS.WriteStream = process.stderr): ((p: HubProgress) => void) | undefined {
  if (!stream.isTTY) return undefined;
  const start = Date.now();
  let last = 0;
  return ({ file, bytes, total }) => {
    const now = Date.now();
    const done = total !== undefined && bytes >= total;
    if (!done && now - last < 200) return;
    last = now;
    const rate = bytes / Math.max((now - start) / 1000, 1e-3);
    const of = total !== undefined ? ` / ${mb(total)}` : '';
    stream.write(`\r${file}: ${mb(bytes)}${of} MB, ${mb(rate)} MB/s${done ? '\n' : ''}`);
  };
}

const mb = (n: number) => (n / 1e6).toFixed(1);
