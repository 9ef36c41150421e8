/** Shared by the dataset tests: small generated images, file listings, child runs, a private Redis. */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { encodeWav } from '@mmtok/audio';
import { writeImage } from '@mmtok/image';

const here = dirname(fileURLToPath(import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
export const CHILD = join(here, 'child.ts');

/**
 * `n` PNGs of size×size with smooth random content (Math.random follows the printed test seed),
 * named img-000.png… under `dir`.
 */
export async function makeImages(dir: string, n: number, size = 32, prefix = 'img'): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  for (let i = 0; i < n; i++) {
    const data = new Uint8Array(size * size * 3);
    const [a, b, c] = [Math.random() * 255, Math.random() * 8, Math.random() * 8];
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++)
        for (let ch = 0; ch < 3; ch++) data[(y * size + x) * 3 + ch] = (a + b * x + c * y + 40 * ch) % 256;
    const path = join(dir, `${prefix}-${String(i).padStart(3, '0')}.png`);
    await writeImage({ data, width: size, height: size, channels: 3 }, path);
    paths.push(path);
  }
  return paths;
}

/** Every file under `dir` (dot-files included), sorted. */
export async function filesIn(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

/** SHA-256 of each shard tar and errors file of a dataset folder: what "byte-identical output" compares. */
export async function outputDigests(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of await filesIn(dir)) {
    if (/^shard-\d+\.(tar|errors\.jsonl)$/.test(f) || f === 'dataset.json') {
      out[f] = createHash('sha256')
        .update(await readFile(join(dir, f)))
        .digest('hex');
    }
  }
  return out;
}

export interface Child {
  proc: ChildProcess;
  /** Lines written to stdout so far. */
  lines: string[];
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
  /** Resolves once a stdout line matches. */
  waitFor(re: RegExp): Promise<string>;
}

/** Runs test/child.ts (`encode` or `worker` with JSON options) as its own Node process. */
export function runChild(command: 'encode' | 'worker', options: object): Child {
  const proc = spawn(
    process.execPath,
    ['--conditions=source', '--import', TSX, CHILD, command, JSON.stringify(options)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  let buf = '';
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buf += chunk;
    const parts = buf.split('\n');
    buf = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      for (const w of waiters.filter((w) => w.re.test(line))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  let stderr = '';
  proc.stderr!.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
  });
  const exited = new Promise<number | string>((resolve) =>
    proc.on('exit', (code, signal) => {
      if (code) console.error(`child ${command} exited ${code}:\n${stderr}`);
      resolve(code ?? signal ?? -1);
    }),
  );
  return {
    proc,
    lines,
    exited,
    waitFor: (re) => {
      const hit = lines.find((l) => re.test(l));
      return hit !== undefined ? Promise.resolve(hit) : new Promise((resolve) => waiters.push({ re, resolve }));
    },
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface Redis {
  url: string;
  /** Stops it (SIGTERM: it writes its append-only file) and starts it again on the same port and files. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** A private redis-server on 127.0.0.1 with its files (append-only on) in `dir`. */
export async function startRedis(dir: string): Promise<Redis> {
  await mkdir(dir, { recursive: true });
  const port = await freePort();
  let proc: ChildProcess;
  const start = () =>
    new Promise<void>((resolve, reject) => {
      proc = spawn(
        '/usr/bin/redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', ''],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      proc.stdout!.setEncoding('utf8').on('data', (c: string) => {
        out += c;
        if (out.includes('Ready to accept connections')) resolve();
      });
      proc.on('exit', (code) => reject(new Error(`redis-server exited ${code}: ${out}`)));
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      proc.removeAllListeners('exit');
      proc.on('exit', () => resolve());
      proc.kill('SIGTERM');
    });
  await start();
  return {
    url: `redis://127.0.0.1:${port}/0`,
    restart: async () => {
      await stop();
      await start();
    },
    stop,
  };
}

/** A PyTorch reference's input (`input`: float32 samples, base64) as the float32 WAV it encoded. */
export async function writeReferenceWav(
  ref: { input: string; sampleRate: number; samples: number },
  path: string,
): Promise<void> {
  const b = Buffer.from(ref.input, 'base64');
  const data = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
  await writeFile(path, encodeWav({ data, channels: 1, sampleRate: ref.sampleRate, length: ref.samples }, 'float32'));
}

const HUB_VARIABLES = ['HF_ENDPOINT', 'HF_HUB_CACHE', 'HF_HOME', 'HF_HUB_OFFLINE'];

/**
 * Points @mmtok/hub at a test server with its cache under `home`: worker threads and child
 * processes start with a copy of this environment, so the settings reach them. Returns the undo.
 */
export function useHubServer(endpoint: string, home: string): () => void {
  const saved = Object.fromEntries(HUB_VARIABLES.map((k) => [k, process.env[k]]));
  Object.assign(process.env, { HF_ENDPOINT: endpoint, HF_HUB_CACHE: join(home, 'cache'), HF_HOME: home });
  return () => {
    for (const k of HUB_VARIABLES) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  };
}
