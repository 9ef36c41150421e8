import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { MmtokError } from '@mmtok/core';
import type { InputFile } from './inputs.js';

export interface PlannedOutput {
  input: InputFile;
  output: string;
}

/** Swaps the extension of a relative path (`a/b.png` → `a/b.mmtok`). */
export function withExtension(path: string, ext: string): string {
  const old = extname(path);
  return (old ? path.slice(0, -old.length) : path) + ext;
}

function looksLikeDir(path: string): boolean {
  return path.endsWith('/') || path.endsWith('\\');
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Checks, without creating anything, that files can later be written at `dir`: its nearest existing
 * ancestor must be a writable directory. Failing here means no work is wasted and nothing is left behind.
 */
export async function assertWritableDir(dir: string): Promise<void> {
  let probe = resolve(dir);
  for (;;) {
    try {
      const s = await stat(probe);
      if (!s.isDirectory()) {
        throw new MmtokError('MMTOK_IO', `cannot write under ${dir}: ${probe} is a file, not a folder`, { path: dir });
      }
      break;
    } catch (e) {
      if (e instanceof MmtokError) throw e;
      const parent = dirname(probe);
      if (parent === probe) break;
      probe = parent;
    }
  }
  try {
    await access(probe, constants.W_OK);
  } catch {
    throw new MmtokError('MMTOK_IO', `cannot write under ${dir}: ${probe} is not writable`, { path: dir });
  }
}

/** Creates the folder that will hold `file`, turning failures into a clear MMTOK_IO error. */
export async function ensureParentDir(file: string): Promise<void> {
  const dir = dirname(file);
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw new MmtokError('MMTOK_IO', `cannot create folder ${dir}: ${(e as Error).message}`, { path: dir });
  }
}

/**
 * Maps inputs to output paths. `output` is a single file only when one input was named explicitly
 * and `output` is neither an existing folder nor ends with '/'; otherwise it is a folder and each
 * input keeps its relative path with the extension swapped to `ext`.
 */
export async function planOutputs(inputs: readonly InputFile[], output: string, ext: string): Promise<PlannedOutput[]> {
  const single = inputs.length === 1 && !inputs[0].expanded && !looksLikeDir(output) && !(await isDir(output));
  if (single) {
    await assertWritableDir(dirname(output));
    return [{ input: inputs[0], output }];
  }
  await assertWritableDir(output);
  const byOutput = new Map<string, string>();
  const planned = inputs.map((input) => {
    const path = join(output, withExtension(input.relative, ext));
    const clash = byOutput.get(path);
    if (clash !== undefined) {
      throw new MmtokError(
        'MMTOK_OUTPUT_CONFLICT',
        `${clash} and ${input.path} would both write ${path}; rename one or run them separately`,
        {
          output: path,
        },
      );
    }
    byOutput.set(path, input.path);
    return { input, output: path };
  });
  return planned;
}
