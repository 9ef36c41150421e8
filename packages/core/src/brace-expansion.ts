/**
 * Brace expansion for input patterns, shared by the CLI's file matching and dataset inputs: globs
 * (tinyglobby/picomatch) know `{a,b}` but not zero-padded numeric ranges, which WebDataset shard
 * lists (`data-{00000..00099}.tar`) need.
 */
import { MmtokError } from './errors.js';

/** `{a,b}` alternatives and `{00000..00099}` numeric ranges (zero padding kept) expanded. */
export function expandBraces(pattern: string): string[] {
  const m = /\{([^{}]*)\}/.exec(pattern);
  if (!m) return [pattern];
  const head = pattern.slice(0, m.index);
  const tail = pattern.slice(m.index + m[0].length);
  const range = /^(\d+)\.\.(\d+)$/.exec(m[1]);
  let alts: string[];
  if (range) {
    const [from, to] = [Number(range[1]), Number(range[2])];
    if (to < from || to - from > 1_000_000) {
      throw new MmtokError('MMTOK_CONFIG', `${pattern}: the range {${m[1]}} must count up, by at most 1,000,000`);
    }
    const width = range[1].length;
    alts = Array.from({ length: to - from + 1 }, (_, i) => String(from + i).padStart(width, '0'));
  } else if (m[1].includes(',')) alts = m[1].split(',');
  else return [pattern];
  return alts.flatMap((alt) => expandBraces(head + alt + tail));
}
