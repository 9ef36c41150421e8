import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { scanHubCache } from '../src/index.js';

const COMMIT = 'a'.repeat(40);
let cacheDir: string;
beforeEach(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'mmtok-hub-scan-'));
});
afterEach(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

it('sizes blobs behind relative and absolute snapshot links (huggingface_hub falls back to absolute ones)', async () => {
  const root = join(cacheDir, 'models--org--name');
  await mkdir(join(root, 'blobs'), { recursive: true });
  await mkdir(join(root, 'snapshots', COMMIT, 'onnx'), { recursive: true });
  await mkdir(join(root, 'refs'), { recursive: true });
  await writeFile(join(root, 'blobs', 'e1'), 'x'.repeat(5));
  await writeFile(join(root, 'blobs', 'e2'), 'y'.repeat(7));
  await writeFile(join(root, 'refs', 'main'), COMMIT);
  await symlink('../../blobs/e1', join(root, 'snapshots', COMMIT, 'config.json'));
  await symlink(join(root, 'blobs', 'e2'), join(root, 'snapshots', COMMIT, 'onnx', 'model.onnx'));
  expect(await scanHubCache(cacheDir)).toEqual([
    { repo: 'org/name', path: root, size: 12, revisions: [{ commit: COMMIT, refs: ['main'], files: 2, size: 12 }] },
  ]);
});
