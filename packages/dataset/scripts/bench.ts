/**
 * Dataset throughput: images/s for N JPEGs of size² with the default image tokenizer — today's
 * one-file-at-a-time loop against `encodeDataset` with 1 and 2 workers and through the BullMQ
 * queue with two worker processes, batch size 1 against 8 with a dynamic-batch ONNX encoder — CPU
 * time against wall time, peak RSS at N and at `--more` items, and audio hours per hour. Each configuration runs in its own process (bench-child.ts).
 * Prints a table and writes bench-results/dataset.json. Run it on an otherwise idle machine.
 *
 *   npm run bench -w @mmtok/dataset -- [--images 1000] [--more 20000] [--size 512]
 *                                      [--audio-files 20] [--audio-seconds 60] [--quick]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { link, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { encodeWav } from '@mmtok/audio';
import { cropImage, readImage, resizeImage, writeImage } from '@mmtok/image';

const here = dirname(fileURLToPath(import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const args = process.argv.slice(2);
const opt = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const quick = args.includes('--quick');
const N = opt('--images', quick ? 40 : 1000);
const MORE = opt('--more', quick ? 120 : 20_000);
const SIZE = opt('--size', 512);
const AUDIO_FILES = opt('--audio-files', quick ? 4 : 20);
const AUDIO_SECONDS = opt('--audio-seconds', quick ? 10 : 60);
const SHARD = Math.max(1, Math.min(1000, Math.ceil(N / 8)));

interface Stats {
  wallS: number;
  userS: number;
  sysS: number;
  maxRssMiB: number;
  encodeS?: number;
}

interface Child {
  proc: ChildProcess;
  ready: Promise<void>;
  stats: Promise<Stats>;
}

function child(mode: string, options: object): Child {
  const proc = spawn(
    process.execPath,
    ['--conditions=source', '--import', TSX, join(here, 'bench-child.ts'), mode, JSON.stringify(options)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  let readyResolve: () => void;
  const ready = new Promise<void>((r) => {
    readyResolve = r;
  });
  proc.stdout!.setEncoding('utf8').on('data', (c: string) => {
    out += c;
    if (out.includes('ready\n')) readyResolve();
  });
  const stats = new Promise<Stats>((resolve, reject) =>
    proc.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('stats '));
      if (!line) reject(new Error(`bench child ${mode} exited ${code} without stats:\n${out}`));
      else resolve(JSON.parse(line.slice(6)));
    }),
  );
  return { proc, ready, stats };
}

/** JPEG crops of the bundled sample photos, flipped and shifted so no two are alike. */
async function makeImages(dir: string, n: number): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const samples = join(here, '..', '..', 'image', 'assets', 'samples');
  const photos = ['coffee.png', 'astronaut.png', 'rocket.jpg', 'retina.jpg', 'hubble_deep_field.jpg', 'grass.png'];
  const bases = await Promise.all(
    photos.map(async (p) => resizeImage(await readImage(join(samples, p)), SIZE * 2, SIZE * 2)),
  );
  const paths: string[] = [];
  for (let i = 0; i < n; i++) {
    const crop = cropImage(bases[i % bases.length], {
      left: (i * 37) % SIZE,
      top: (i * 53) % SIZE,
      width: SIZE,
      height: SIZE,
    });
    const path = join(dir, `img-${String(i).padStart(6, '0')}.jpg`);
    await writeImage(crop, path, { quality: 90 });
    paths.push(path);
  }
  return paths;
}

/** Speech-like test audio: a few drifting tones and noise, 16 kHz mono WAV. */
async function makeAudio(dir: string, n: number, seconds: number): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const rate = 16_000;
  const paths: string[] = [];
  for (let f = 0; f < n; f++) {
    const length = seconds * rate;
    const data = new Float32Array(length);
    for (let i = 0; i < length; i++) {
      const t = i / rate;
      data[i] =
        0.3 * Math.sin(2 * Math.PI * (180 + 40 * f + 30 * Math.sin(t)) * t) +
        0.1 * Math.sin(2 * Math.PI * 1200 * t) * Math.sin(3 * t) +
        0.02 * (Math.random() * 2 - 1);
    }
    const path = join(dir, `clip-${String(f).padStart(4, '0')}.wav`);
    await writeFile(path, encodeWav({ data, channels: 1, sampleRate: rate, length }));
    paths.push(path);
  }
  return paths;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function startRedis(dir: string): Promise<{ url: string; stop: () => void }> {
  await mkdir(dir, { recursive: true });
  const port = await freePort();
  const proc = spawn(
    '/usr/bin/redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', ''],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve) => {
    let out = '';
    proc.stdout!.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      if (out.includes('Ready to accept connections')) resolve();
    });
  });
  return { url: `redis://127.0.0.1:${port}/0`, stop: () => proc.kill('SIGTERM') };
}

interface Row {
  run: string;
  items: number;
  wallS: number;
  itemsPerS: number;
  cpuS: number;
  cpuPerWall: number;
  peakRssMiB: number;
  audioHoursPerHour?: number;
}

const rows: Row[] = [];
function record(run: string, items: number, s: Stats, peakRssMiB = s.maxRssMiB, audioSeconds?: number): Row {
  const cpuS = s.userS + s.sysS;
  const row: Row = {
    run,
    items,
    wallS: s.wallS,
    itemsPerS: items / s.wallS,
    cpuS,
    cpuPerWall: cpuS / s.wallS,
    peakRssMiB,
    ...(audioSeconds !== undefined ? { audioHoursPerHour: audioSeconds / s.wallS } : {}),
  };
  rows.push(row);
  console.log(
    `${run.padEnd(34)} ${String(items).padStart(6)} items  ${s.wallS.toFixed(1).padStart(7)} s  ${row.itemsPerS.toFixed(1).padStart(7)} items/s  CPU ${cpuS.toFixed(1).padStart(7)} s = ${row.cpuPerWall.toFixed(2)}× wall  peak RSS ${peakRssMiB.toFixed(0)} MiB${audioSeconds !== undefined ? `  ${row.audioHoursPerHour!.toFixed(0)}× real time` : ''}`,
  );
  return row;
}

const root = await mkdtemp(join(tmpdir(), 'mmtok-dataset-bench-'));
try {
  const load = loadavg()[0].toFixed(1);
  console.log(
    `dataset bench: ${N} JPEGs of ${SIZE}², shard size ${SHARD}, ${availableParallelism()} cores, load ${load}`,
  );
  const images = await makeImages(join(root, 'images'), N);
  const run = async (mode: string, options: object) => (await child(mode, options)).stats;

  record('loop (one file at a time)', N, await run('loop', { inputs: images, output: join(root, 'loop') }));
  for (const workers of [1, 2]) {
    const s = await run('local', {
      inputs: [join(root, 'images')],
      output: join(root, `local-${workers}`),
      shardSize: SHARD,
      workers,
    });
    record(`dataset --workers ${workers}`, N, s);
  }

  // Batching needs an ONNX encoder with a dynamic batch axis: the image package's small parity
  // fixture (a 2-conv encoder on CPU), so this shows the batching overhead or gain on CPU, not a GPU's.
  const batchTokenizer = join(here, '..', '..', 'image', 'test', 'fixtures', 'onnx', 'fsq-batch.manifest.json');
  for (const batchSize of [1, 8]) {
    const s = await run('local', {
      inputs: [join(root, 'images')],
      output: join(root, `batch-${batchSize}`),
      shardSize: SHARD,
      workers: 1,
      tokenizer: batchTokenizer,
      batchSize,
    });
    record(`fsq-batch ONNX --batch-size ${batchSize}`, N, s);
  }

  const redis = await startRedis(join(root, 'redis'));
  try {
    const workers = [
      child('worker', { queue: redis.url, workers: 1 }),
      child('worker', { queue: redis.url, workers: 1 }),
    ];
    await Promise.all(workers.map((w) => w.ready));
    const submit = await run('submit', {
      inputs: [join(root, 'images')],
      output: join(root, 'queued'),
      shardSize: SHARD,
      queue: redis.url,
    });
    for (const w of workers) w.proc.kill('SIGTERM');
    const ws = await Promise.all(workers.map((w) => w.stats));
    // CPU of the submitter and both workers; wall from the submitter (it waits for the last shard).
    const total = {
      ...submit,
      userS: submit.userS + ws[0].userS + ws[1].userS,
      sysS: submit.sysS + ws[0].sysS + ws[1].sysS,
    };
    record('queue, 2 worker processes', N, total, Math.max(ws[0].maxRssMiB, ws[1].maxRssMiB));
  } finally {
    redis.stop();
  }

  // Peak RSS at more items: hard links to the same JPEGs, so the inputs cost no disk.
  const moreDir = join(root, 'more');
  await mkdir(moreDir);
  for (let i = 0; i < MORE; i++) await link(images[i % N], join(moreDir, `img-${String(i).padStart(6, '0')}.jpg`));
  const big = await run('local', { inputs: [moreDir], output: join(root, 'local-more'), shardSize: SHARD, workers: 2 });
  record('dataset --workers 2, more items', MORE, big);

  const clips = await makeAudio(join(root, 'audio'), AUDIO_FILES, AUDIO_SECONDS);
  const audioSeconds = AUDIO_FILES * AUDIO_SECONDS;
  record(
    'audio loop',
    AUDIO_FILES,
    await run('loop', { inputs: clips, output: join(root, 'audio-loop'), audio: true }),
    undefined,
    audioSeconds,
  );
  for (const workers of [1, 2]) {
    const s = await run('local', {
      inputs: [join(root, 'audio')],
      output: join(root, `audio-${workers}`),
      shardSize: Math.ceil(AUDIO_FILES / 4),
      workers,
    });
    record(`audio dataset --workers ${workers}`, AUDIO_FILES, s, undefined, audioSeconds);
  }

  const outDir = join(here, '..', '..', '..', 'bench-results');
  await mkdir(outDir, { recursive: true });
  // The load average says whether the machine was idle (the comparisons mean little otherwise).
  const result = {
    images: N,
    size: SIZE,
    more: MORE,
    shardSize: SHARD,
    cores: availableParallelism(),
    loadAverage: loadavg(),
    audioSeconds,
    rows,
  };
  await writeFile(join(outDir, 'dataset.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${join(outDir, 'dataset.json')}`);
} finally {
  await rm(root, { recursive: true, force: true });
}
