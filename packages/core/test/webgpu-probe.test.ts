/**
 * An unnamed call must not start Dawn where only a software adapter could exist: Dawn prints adapter
 * warnings on stderr as soon as it enumerates adapters, and the caller would not pick that adapter.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noHardwareGpu } from '../src/backends/webgpu/hardware.js';

const here = dirname(fileURLToPath(import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const CORE = pathToFileURL(join(here, '..', 'src', 'index.ts')).href;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mmtok-webgpu-probe-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A stand-in /dev holding the given (empty) files. */
async function devRoot(name: string, files: string[]): Promise<string> {
  const root = join(dir, name);
  await mkdir(root, { recursive: true });
  for (const f of files) {
    await mkdir(dirname(join(root, f)), { recursive: true });
    await writeFile(join(root, f), '');
  }
  return root;
}

/** Runs an ES module with the core source importable as CORE; never throws on a non-zero exit. */
function runModule(source: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const file = join(dir, `child-${Math.random().toString(36).slice(2)}.mjs`);
    writeFile(file, source).then(() => {
      execFile(
        process.execPath,
        ['--conditions=source', '--import', TSX, file],
        { cwd: here, timeout: 60_000 },
        (error, stdout, stderr) =>
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
      );
    }, reject);
  });
}

describe.runIf(process.platform === 'linux')('hardware GPU check (Linux device nodes)', () => {
  it('says why when there is no render node, NVIDIA node or WSL GPU node', async () => {
    const root = await devRoot('none', ['null', 'dri/card0', 'nvidiactl']);
    expect(await noHardwareGpu(root)).toMatch(/no GPU device node .*only a software adapter/);
  });

  it.each([
    ['DRM render node', 'dri/renderD128'],
    ['NVIDIA GPU', 'nvidia0'],
    ['WSL2 GPU', 'dxg'],
  ])('leaves the decision to Dawn when a %s exists', async (_what, node) => {
    const root = await devRoot(node.replace(/\W/g, '-'), ['null', node]);
    expect(await noHardwareGpu(root)).toBeUndefined();
  });
});

// On a host with a GPU node Dawn is probed, as it should be (WebGPU could be chosen), and may print.
const softwareOnly = (await noHardwareGpu()) !== undefined;

describe.runIf(softwareOnly)('a library FSQ encode without a GPU', () => {
  it('prints nothing on stderr and never names webgpu', async () => {
    const r = await runModule(`
      import { createQuantizer, defaultRegistry } from ${JSON.stringify(CORE)};
      const fsq = await createQuantizer({ type: 'fsq', levels: [8, 5, 5, 5] });
      const x = Float32Array.from({ length: 4 * 64 }, (_, i) => Math.sin(i));
      const tokens = await fsq.encode({ data: x, shape: [64, 4] });
      const { backend } = await defaultRegistry.kernel('fsqEncode');
      console.log(JSON.stringify({ backend, tokens: tokens.data.length }));
    `);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ backend: 'wasm', tokens: 64 });
  });
});
