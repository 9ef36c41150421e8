import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isMmtokError } from '@mmtok/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type HubOptions, hubFile } from '../src/index.js';
import { type HubServer, seededBytes, sha256, startHubServer } from './hub-server.js';

const REPO = 'org/faulty';
const MODEL = seededBytes(11, 200_000);
const SHA = sha256(MODEL);
const FILE = 'onnx/model.onnx';
const ROOT = 'models--org--faulty';

let server: HubServer;
let cacheDir: string;
let opts: HubOptions;
const children: ChildProcess[] = [];

beforeEach(async () => {
  server = await startHubServer({ [REPO]: { files: { 'config.json': '{"model_type":"dac"}', [FILE]: MODEL } } });
  cacheDir = await mkdtemp(join(tmpdir(), 'mmtok-hub-faults-'));
  opts = { endpoint: server.endpoint, cacheDir, offline: false, token: undefined };
});
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  await server.close();
  await rm(cacheDir, { recursive: true, force: true });
});

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return isMmtokError(e) ? e.code : String(e);
  }
  return 'resolved';
}

/** Files (not folders) under the repo's cache folder, relative to it. */
async function repoFiles(): Promise<string[]> {
  const root = join(cacheDir, ROOT);
  if (!existsSync(root)) return [];
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => join(e.parentPath, e.name).slice(root.length + 1))
    .sort();
}

/** A real `node` process running fetch-child.ts. */
function child(...files: string[]): { proc: ChildProcess; done: Promise<{ code: number | null; out: string }> } {
  const proc = spawn(
    process.execPath,
    [
      '--conditions=source',
      '--import',
      'tsx',
      join(import.meta.dirname, 'fetch-child.ts'),
      server.endpoint,
      cacheDir,
      `hf:${REPO}`,
      ...files,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(proc);
  let out = '';
  proc.stdout?.on('data', (d) => (out += d));
  proc.stderr?.on('data', (d) => (out += d));
  return { proc, done: new Promise((ok) => proc.on('exit', (code) => ok({ code, out }))) };
}

/** Poll (no time limit of its own: the test's timeout bounds it) until `cond` holds. */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await sleep(20);
}

describe('faults', () => {
  it('a 500 from the Hub or the CDN leaves nothing cached, and the next call succeeds', async () => {
    server.failNext(500, 'hub');
    expect(await codeOf(hubFile(`hf:${REPO}`, FILE, opts))).toBe('MMTOK_HUB_HTTP');
    expect(await repoFiles()).toEqual([]);
    server.failNext(500, 'cdn');
    expect(await codeOf(hubFile(`hf:${REPO}`, FILE, opts))).toBe('MMTOK_HUB_HTTP');
    expect(await repoFiles()).toEqual([]); // not even an .incomplete: an error body is never written
    const ok = await hubFile(`hf:${REPO}`, FILE, opts);
    expect(sha256(readFileSync(ok.path))).toBe(SHA);
  });

  it('a truncated body leaves only a resumable .incomplete; the next call resumes it with Range', async () => {
    server.truncate(SHA, 70_000);
    expect(await codeOf(hubFile(`hf:${REPO}`, FILE, opts))).toBe('MMTOK_HUB_HTTP');
    expect(await repoFiles()).toEqual([`blobs/${SHA}.incomplete`]);
    expect(statSync(join(cacheDir, ROOT, 'blobs', `${SHA}.incomplete`)).size).toBe(70_000);
    server.truncate(undefined);
    const ok = await hubFile(`hf:${REPO}`, FILE, opts);
    expect(sha256(readFileSync(ok.path))).toBe(SHA);
    const gets = server.requests.filter((r) => r.origin === 'cdn');
    expect(gets.map((r) => r.headers.range)).toEqual([undefined, 'bytes=70000-']);
  });

  it('a download killed halfway (SIGKILL of a real process) resumes with Range', async () => {
    server.hold(SHA, 100_000);
    const { proc, done } = child(FILE);
    const incomplete = join(cacheDir, ROOT, 'blobs', `${SHA}.incomplete`);
    await until(() => existsSync(incomplete) && statSync(incomplete).size === 100_000);
    proc.kill('SIGKILL');
    expect((await done).code).toBe(null);
    server.hold(undefined);
    // The dead process's lock file is still there: it names a dead pid and is taken over.
    expect(existsSync(join(cacheDir, '.locks', ROOT, `${SHA}.lock`))).toBe(true);
    const ok = await hubFile(`hf:${REPO}`, FILE, opts);
    expect(sha256(readFileSync(ok.path))).toBe(SHA);
    expect(server.requests.filter((r) => r.origin === 'cdn').map((r) => r.headers.range)).toEqual([
      undefined,
      'bytes=100000-',
    ]);
    expect(await repoFiles()).toEqual([`blobs/${SHA}`, `refs/main`, `snapshots/${server.commitOf(REPO)}/${FILE}`]);
  });

  it('a server that ignores Range (200, whole file) restarts the .incomplete instead of appending', async () => {
    server.truncate(SHA, 70_000);
    await codeOf(hubFile(`hf:${REPO}`, FILE, opts));
    server.truncate(undefined);
    server.ignoreRange(true);
    const ok = await hubFile(`hf:${REPO}`, FILE, opts);
    expect(sha256(readFileSync(ok.path))).toBe(SHA);
    expect(server.requests.filter((r) => r.origin === 'cdn').map((r) => r.headers.range)).toEqual([
      undefined,
      'bytes=70000-',
    ]);
  });

  it("an empty lock file left by huggingface_hub's filelock, or one naming a dead process, is taken over", async () => {
    const lock = join(cacheDir, '.locks', ROOT, `${SHA}.lock`);
    await mkdir(dirname(lock), { recursive: true });
    await writeFile(lock, '');
    expect(sha256(readFileSync((await hubFile(`hf:${REPO}`, FILE, opts)).path))).toBe(SHA);
    expect(existsSync(lock)).toBe(false);
    await rm(join(cacheDir, ROOT), { recursive: true });
    await writeFile(lock, JSON.stringify({ pid: 2 ** 22 + 1, host: hostname() })); // above Linux's pid_max default
    expect(sha256(readFileSync((await hubFile(`hf:${REPO}`, FILE, opts)).path))).toBe(SHA);
  });

  it('a corrupted blob (bytes ≠ X-Linked-Etag) is MMTOK_HUB_CHECKSUM with nothing left in blobs/, then re-fetched', async () => {
    server.corrupt(SHA);
    expect(await codeOf(hubFile(`hf:${REPO}`, FILE, opts))).toBe('MMTOK_HUB_CHECKSUM');
    expect(await repoFiles()).toEqual([]);
    server.corrupt(undefined);
    const ok = await hubFile(`hf:${REPO}`, FILE, opts);
    expect(sha256(readFileSync(ok.path))).toBe(SHA);
  });

  it('two processes fetching the same repo both succeed with one blob and one download', async () => {
    server.hold(SHA, 0); // the first GET waits until both processes have asked the Hub
    const a = child('config.json', FILE);
    const b = child('config.json', FILE);
    const heads = () => server.requests.filter((r) => r.method === 'HEAD' && r.url.endsWith(FILE)).length;
    await until(() => heads() === 2 && server.requests.some((r) => r.origin === 'cdn'));
    server.release();
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect(ra.code, ra.out).toBe(0);
    expect(rb.code, rb.out).toBe(0);
    expect(JSON.parse(ra.out)).toEqual(JSON.parse(rb.out));
    expect(server.requests.filter((r) => r.origin === 'cdn').length).toBe(1);
    const commit = server.commitOf(REPO);
    expect(await repoFiles()).toEqual(
      [
        `blobs/${SHA}`,
        `blobs/${server.etagOf(REPO, 'config.json')}`,
        'refs/main',
        `snapshots/${commit}/config.json`,
        `snapshots/${commit}/${FILE}`,
      ].sort(),
    );
    expect(existsSync(join(cacheDir, '.locks', ROOT, `${SHA}.lock`))).toBe(false);
  });

  it('HF_TOKEN goes to the Hub endpoint only, never to the CDN a large file redirects to', async () => {
    await hubFile(`hf:${REPO}`, FILE, { ...opts, token: 'hf_secret' });
    const [head, get] = server.requests;
    expect([head.origin, head.headers.authorization]).toEqual(['hub', 'Bearer hf_secret']);
    expect([get.origin, get.headers.authorization]).toEqual(['cdn', undefined]);
  });
});
