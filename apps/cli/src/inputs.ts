import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { MmtokError } from '@mmtok/core';
import { expandBraces } from '@mmtok/core/node';
import { glob } from 'tinyglobby';

/** One input file, and the path its output takes under an output directory. */
export interface InputFile {
  path: string;
  /** Relative output name stem source: the basename for a file named on the command line, the path under the folder or glob base otherwise. */
  relative: string;
  /** True when the file came from a folder walk or a glob, i.e. the user asked for "many". */
  expanded: boolean;
}

export interface ExpandOptions {
  /** Extensions (lower case, with the dot) a folder walk or glob keeps. Files named explicitly are always kept, so an unsupported one fails with the reader's clear error. */
  extensions: readonly string[];
  /** What the files are, for messages ("images", "token files"). */
  what: string;
}

const GLOB_CHARS = /[*?[{]/;

function hasExtension(path: string, extensions: readonly string[]): boolean {
  const lower = path.toLowerCase();
  return extensions.some((ext) => lower.endsWith(ext));
}

/** Files under `dir`, recursively, skipping dot-files (and so our own `.name.tmp` files). */
async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/**
 * Files matching one brace-free glob (tinyglobby: `*`, `?`, `[...]`, `**`, no dot-files), relative to
 * its base: the longest leading part without glob characters.
 */
async function matchGlob(pattern: string): Promise<{ base: string; files: string[] }> {
  const parts = pattern.split(/[\\/]/);
  const firstGlob = parts.findIndex((p) => GLOB_CHARS.test(p));
  const base = parts.slice(0, firstGlob).join('/') || (pattern.startsWith('/') ? '/' : '.');
  const rest = parts.slice(firstGlob).join('/');
  // Links are not followed, as the folder walk skips them.
  const found = await glob(rest, {
    cwd: base,
    onlyFiles: true,
    dot: false,
    expandDirectories: false,
    followSymbolicLinks: false,
  });
  return { base, files: found.map((f) => join(base, f)) };
}

/** A pattern's files: brace alternatives and numeric ranges expanded first, each name then a glob or a path. */
async function matchPattern(pattern: string): Promise<{ base: string; files: string[] }[]> {
  return Promise.all(
    expandBraces(pattern).map(async (name) => {
      if (GLOB_CHARS.test(name)) return matchGlob(name);
      // A name from a range (shard-{000..099}.tar) is kept when it exists, as a glob would.
      return { base: dirname(name), files: (await kind(name)) === 'file' ? [name] : [] };
    }),
  );
}

async function kind(path: string): Promise<'file' | 'dir' | undefined> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'dir' : 'file';
  } catch {
    return undefined;
  }
}

/**
 * Expands files, folders (recursively) and globs into a de-duplicated list. Shells usually expand
 * globs themselves; we do it too so quoted patterns work everywhere and long lists avoid ARG_MAX.
 */
export async function expandInputs(patterns: readonly string[], options: ExpandOptions): Promise<InputFile[]> {
  const seen = new Set<string>();
  const out: InputFile[] = [];
  const add = (path: string, rel: string, expanded: boolean) => {
    const key = resolve(path);
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ path, relative: rel, expanded });
  };
  for (const pattern of patterns) {
    const k = await kind(pattern);
    if (k === 'file') add(pattern, basename(pattern), false);
    else if (k === 'dir') {
      const files = (await walk(pattern)).filter((f) => hasExtension(f, options.extensions)).sort();
      if (files.length === 0) {
        throw new MmtokError(
          'MMTOK_NOT_FOUND',
          `${pattern}: folder holds no ${options.what} (${options.extensions.join(', ')})`,
          {
            input: pattern,
          },
        );
      }
      for (const f of files) add(f, relative(pattern, f), true);
    } else if (GLOB_CHARS.test(pattern)) {
      const matched = await matchPattern(pattern);
      const files = matched.flatMap(({ base, files }) =>
        files.filter((f) => hasExtension(f, options.extensions)).map((f) => ({ f, rel: relative(base, f) })),
      );
      if (files.length === 0)
        throw new MmtokError('MMTOK_NOT_FOUND', `${pattern}: matches no ${options.what}`, { input: pattern });
      files.sort((a, b) => (a.f < b.f ? -1 : a.f > b.f ? 1 : 0));
      for (const { f, rel } of files) add(f, rel, true);
    } else {
      throw new MmtokError('MMTOK_NOT_FOUND', `${pattern}: no such file or folder`, { input: pattern });
    }
  }
  return out;
}
