/**
 * Hostile files the core readers meet: safetensors whose tensors share bytes, manifests naming
 * files outside their folder (by `..` or a symlink), and what an interrupted run must undo.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, isMmtokError } from '../src/index.js';
import { readManifestFile } from '../src/node.js';

/** A safetensors file with the given header entries over `dataBytes` bytes of data. */
function rawSafetensors(header: Record<string, unknown>, dataBytes: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isMmtokError(e) ? e.code : `not an MmtokError: ${e}`;
  }
  return undefined;
}

describe('safetensors ranges', () => {
  it('refuses tensors that overlap, even when their sizes add up to the data', () => {
    // a = bytes [0, 8), b = bytes [4, 12): 16 bytes of data, 16 bytes "covered", 4 shared and [12, 16) owned by none.
    const bytes = rawSafetensors(
      {
        a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
        b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
        c: { dtype: 'F32', shape: [1], data_offsets: [12, 16] },
        d: { dtype: 'F32', shape: [1], data_offsets: [8, 12] },
      },
      16,
    );
    expect(codeOf(() => decodeSafetensors(bytes))).toBe('MMTOK_FILE_FORMAT');
    expect(() => decodeSafetensors(bytes)).toThrow(/overlaps/);
  });

  it('refuses a gap, and shapes that are not non-negative integers', () => {
    const gap = rawSafetensors({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, 8);
    expect(codeOf(() => decodeSafetensors(gap))).toBe('MMTOK_FILE_FORMAT');
    const negative = rawSafetensors({ a: { dtype: 'F32', shape: [-1, -2], data_offsets: [0, 8] } }, 8);
    expect(codeOf(() => decodeSafetensors(negative))).toBe('MMTOK_FILE_FORMAT');
  });

  it('reads tensors stored in any order that tile the data', () => {
    const bytes = encodeSafetensors(
      { a: { shape: [2], data: Float32Array.of(1, 2) }, b: { shape: [1], data: Float32Array.of(3) } },
      { format: 'x' },
    );
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect([...tensors.a.data, ...tensors.b.data]).toEqual([1, 2, 3]);
    expect(metadata).toEqual({ format: 'x' });
  });
});

describe('manifest file confinement', () => {
  let dir: string;
  const files = (m: { file: string }) => [{ role: 'weights', key: 'manifest.weights', file: m.file }];
  const read = (manifest: string) => readManifestFile(manifest, (v) => v as { file: string }, files);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mmtok-confine-'));
    await mkdir(join(dir, 'tok', 'sub'), { recursive: true });
    await writeFile(join(dir, 'secret.safetensors'), 'private');
    await writeFile(join(dir, 'tok', 'sub', 'w.safetensors'), 'ok');
    await symlink(join(dir, 'secret.safetensors'), join(dir, 'tok', 'link.safetensors'));
    for (const [name, file] of [
      ['climb', '../secret.safetensors'],
      ['deep', 'sub/../../secret.safetensors'],
      ['link', 'link.safetensors'],
      ['inside', 'sub/w.safetensors'],
    ]) {
      await writeFile(join(dir, 'tok', `${name}.json`), JSON.stringify({ file }));
    }
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses files outside the manifest folder, by .. or by symlink, naming manifest, key and file', async () => {
    for (const name of ['climb', 'deep', 'link']) {
      const manifest = join(dir, 'tok', `${name}.json`);
      const err = await read(manifest).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isMmtokError(err, 'MMTOK_MANIFEST'), `${name}: ${err}`).toBe(true);
      const message = (err as Error).message;
      expect(message).toContain(manifest);
      expect(message).toContain('manifest.weights');
      expect(message).toContain('outside the manifest');
    }
  });

  it('accepts files below it', async () => {
    expect((await read(join(dir, 'tok', 'inside.json'))).manifest.file).toBe('sub/w.safetensors');
  });
});

describe('interrupted runs', () => {
  it('SIGINT kills registered children and removes registered temp paths, then ends the process by the signal', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mmtok-interrupt-'));
    const tmp = join(dir, '.out.123.tmp');
    const pidFile = join(dir, 'child.pid');
    const src = new URL('../src/node.ts', import.meta.url).pathname;
    // A process that registers a sleeping child and a temp folder, then waits to be interrupted.
    const script = `
      import { spawn } from 'node:child_process';
      import { mkdirSync, writeFileSync } from 'node:fs';
      const { killOnInterrupt, removeOnInterrupt } = await import(${JSON.stringify(src)});
      mkdirSync(${JSON.stringify(tmp)}); writeFileSync(${JSON.stringify(join(tmp, 'part'))}, 'x');
      removeOnInterrupt(${JSON.stringify(tmp)});
      const child = spawn('sleep', ['60'], { stdio: 'ignore' });
      killOnInterrupt(child);
      writeFileSync(${JSON.stringify(pidFile)}, String(child.pid));
      setInterval(() => {}, 1000);
    `;
    const tsx = createRequire(import.meta.url).resolve('tsx');
    const proc = spawn(process.execPath, ['--import', tsx, '--input-type=module', '-e', script], { stdio: 'ignore' });
    const exited = once(proc, 'close') as Promise<[number | null, string | null]>;
    for (let i = 0; i < 1000 && !existsSync(pidFile); i++) await new Promise((ok) => setTimeout(ok, 10));
    const childPid = Number(await readFile(pidFile, 'utf8'));
    proc.kill('SIGINT');
    expect((await exited)[1]).toBe('SIGINT');
    let childAlive = true;
    for (let i = 0; i < 100 && childAlive; i++) {
      try {
        process.kill(childPid, 0);
        await new Promise((ok) => setTimeout(ok, 10));
      } catch {
        childAlive = false;
      }
    }
    expect(childAlive).toBe(false);
    expect(existsSync(tmp)).toBe(false);
    await rm(dir, { recursive: true, force: true });
  });
});
