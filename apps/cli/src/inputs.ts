import { readdir, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { MmtokError } from '@mmtok/core';

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

/** `{a,b}` alternatives expanded into separate patterns. */
function expandBraces(pattern: string): string[] {
  const m = /\{([^{}]*)\}/.exec(pattern);
  if (!m) return [pattern];
  const head = pattern.slice(0, m.index);
  const tail = pattern.slice(m.index + m[0].length);
  return m[1].split(',').flatMap((alt) => expandBraces(head + alt + tail));
}

/** A glob (`*`, `?`, `[...]`, `**`) as a regular expression over '/'-separated relative paths. */
function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` matches zero or more whole directories.
      const slash = glob[i + 2] === '/';
      re += slash ? '(?:[^/]+/)*' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${glob
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Files matching one glob; the base is the longest leading part without glob characters. */
async function matchGlob(pattern: string): Promise<{ base: string; files: string[] }> {
  const parts = pattern.split(/[\\/]/);
  const firstGlob = parts.findIndex((p) => GLOB_CHARS.test(p));
  const base = parts.slice(0, firstGlob).join('/') || '.';
  const re = globToRegExp(parts.slice(firstGlob).join('/'));
  let files: string[];
  try {
    files = await walk(base);
  } catch {
    return { base, files: [] };
  }
  return { base, files: files.filter((f) => re.test(relative(base, f).split(sep).join('/'))) };
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
      const matched = await Promise.all(expandBraces(pattern).map(matchGlob));
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
