/**
 * The two tables of docs/cli.md that tests hold the CLI to, parsed in one place: the exit-status
 * table (`| 0    | meaning |`) and the error-code table (`` | `MMTOK_…` | cause | ``).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (apps/cli/test → ../../..). */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface DocumentedCode {
  code: string;
  /** The cause column, trimmed. */
  cause: string;
  /** The exit status the cause names ("(exit 2)"), else 1. */
  exit: number;
}

const docs = readFileSync(join(repoRoot, 'docs', 'cli.md'), 'utf8');

/** Rows of the error-code table, in document order. */
export const documentedCodes: DocumentedCode[] = [...docs.matchAll(/^\| `(MMTOK_[A-Z_]+)`\s*\|\s*(.*?)\s*\|$/gm)].map(
  ([, code, cause]) => ({ code, cause, exit: Number(/\(exit (\d)\)/.exec(cause)?.[1] ?? 1) }),
);

/** The statuses of the exit-status table, in document order. */
export const documentedExits: number[] = [...docs.matchAll(/^\| ([0-9]) {4}\|/gm)].map((m) => Number(m[1]));
