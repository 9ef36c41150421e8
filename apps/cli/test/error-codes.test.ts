/**
 * The error-code table in docs/cli.md against the source: every `'MMTOK_…'` code any package or
 * app emits is listed (with its meaning and, where not 1, its exit status), and every listed code
 * is still emitted. A new code without a row, or a row for a code gone, fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MmtokError } from '@mmtok/core';
import { describe, expect, it } from 'vitest';
import { exitCodeForError } from '../src/exit-codes.js';
import { repoRoot as root, documentedCodes as rows } from './cli-doc-tables.js';

/** Source files (not tests) of every package and app. */
function sources(): string[] {
  const out: string[] = [];
  for (const group of ['packages', 'apps']) {
    for (const pkg of readdirSync(join(root, group))) {
      const src = join(root, group, pkg, 'src');
      let entries: string[];
      try {
        entries = readdirSync(src, { recursive: true }) as string[];
      } catch {
        continue;
      }
      for (const f of entries) if (/\.(ts|tsx|vue)$/.test(f) && !/\.d\.ts$/.test(f)) out.push(join(src, f));
    }
  }
  return out;
}

/** Codes written as string literals in the sources, with one file each emits them from. */
function emittedCodes(): Map<string, string> {
  const codes = new Map<string, string>();
  for (const file of sources()) {
    for (const [, code] of readFileSync(file, 'utf8').matchAll(/['"](MMTOK_[A-Z_]+)['"]/g)) {
      if (!codes.has(code)) codes.set(code, file.slice(root.length + 1));
    }
  }
  return codes;
}

describe('error-code table (docs/cli.md)', () => {
  it('lists every code the source emits, and only those', () => {
    const emitted = emittedCodes();
    const documented = new Set(rows.map((r) => r.code));
    const missing = [...emitted].filter(([code]) => !documented.has(code)).map(([c, f]) => `${c} (from ${f})`);
    expect(missing, 'codes emitted but not in docs/cli.md').toEqual([]);
    expect(
      [...documented].filter((c) => !emitted.has(c)),
      'codes in docs/cli.md that nothing emits',
    ).toEqual([]);
  });

  it('lists each code once, with a meaning', () => {
    const seen = rows.map((r) => r.code);
    expect(seen.length).toBe(new Set(seen).size);
    for (const r of rows) expect(r.cause.length, r.code).toBeGreaterThan(10);
  });

  it('states each exit status as the CLI maps it', () => {
    for (const r of rows) {
      if (r.code === 'MMTOK_MEDIA_MISSING') continue; // the dashboard page's, never a process's
      expect(exitCodeForError(new MmtokError(r.code, 'x')), r.code).toBe(r.exit);
    }
  });
});
