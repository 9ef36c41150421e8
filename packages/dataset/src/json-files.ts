/** The small JSON files of a dataset folder (plan, markers, failures, index): read if present, written atomically. */
import { readFile } from 'node:fs/promises';
import { MmtokError } from '@mmtok/core';
import { writeFileAtomic } from '@mmtok/core/node';

/** The parsed file, or undefined when it does not exist; MMTOK_FILE_FORMAT when it is not JSON. */
export async function readJsonFile<T>(path: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new MmtokError('MMTOK_FILE_FORMAT', `${path}: not JSON; delete it to redo what it records`, { path });
  }
}

export function writeJsonFile(path: string, value: unknown): Promise<void> {
  return writeFileAtomic(path, new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`));
}
