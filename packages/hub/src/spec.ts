import { MmtokError } from '@mmtok/core';

/** A model repository on the Hub and the revision (branch, tag or commit) to read it at. */
export interface HubRef {
  repo: string;
  revision: string;
}

const PREFIX = 'hf:';
// Hub repo names: `name` or `org/name`, letters, digits, `-`, `_`, `.`; never `--` or `..` (the Hub refuses them,
// and `--` is the cache folder's separator).
const REPO = /^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/;
export const COMMIT_HASH = /^[0-9a-f]{40}$/;

export function isHubSpec(spec: string): boolean {
  return spec.startsWith(PREFIX);
}

/** `hf:org/name[@revision]` → `{ repo, revision }`; the revision defaults to `main`. */
export function parseHubSpec(spec: string): HubRef {
  if (!isHubSpec(spec))
    throw new MmtokError('MMTOK_HUB_SPEC', `"${spec}" is not a hub name (expected hf:org/name[@revision])`);
  const body = spec.slice(PREFIX.length);
  const at = body.indexOf('@');
  const repo = at < 0 ? body : body.slice(0, at);
  const revision = at < 0 ? 'main' : body.slice(at + 1);
  return checkRef({ repo, revision }, spec);
}

export function toHubRef(spec: string | HubRef): HubRef {
  return typeof spec === 'string' ? parseHubSpec(spec) : checkRef({ ...spec, revision: spec.revision || 'main' });
}

/** The identity a token file records: the commit, never a moving branch name. */
export function hubIdentity(repo: string, commit: string): string {
  return `${PREFIX}${repo}@${commit}`;
}

/** A file path inside a repo: relative, `/`-separated, no `..` — it is joined onto the cache folder. */
export function checkRepoPath(path: string): string {
  const parts = path.split('/');
  if (path === '' || path.includes('\\') || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new MmtokError('MMTOK_HUB_SPEC', `"${path}" is not a relative file path inside a repo`);
  }
  return path;
}

function checkRef(ref: HubRef, shown = `${ref.repo}@${ref.revision}`): HubRef {
  if (!REPO.test(ref.repo) || ref.repo.includes('--') || ref.repo.includes('..')) {
    throw new MmtokError('MMTOK_HUB_SPEC', `"${shown}": bad repo name "${ref.repo}" (expected org/name)`);
  }
  // Revisions may contain `/` (refs/pr/1); they name a file under refs/, so they get the same check as paths.
  try {
    checkRepoPath(ref.revision);
  } catch {
    throw new MmtokError('MMTOK_HUB_SPEC', `"${shown}": bad revision "${ref.revision}"`);
  }
  return ref;
}
