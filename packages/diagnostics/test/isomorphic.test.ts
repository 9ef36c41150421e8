import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('isomorphic main entry', () => {
  it('src imports nothing Node-only', () => {
    const dir = new URL('../src/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      const text = readFileSync(new URL(f, dir), 'utf8');
      const specifiers = [...text.matchAll(/from\s+'([^']+)'/g)].map((m) => m[1]);
      for (const s of specifiers) expect(s.startsWith('.') || s === '@mmtok/core', `${f} imports ${s}`).toBe(true);
      expect(text).not.toMatch(/\bprocess\.|\brequire\(|\bBuffer\b/);
    }
  });
});
