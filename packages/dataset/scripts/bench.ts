/**
 * Dataset throughput: images/s for N JPEGs of size² with the default image tokenizer — today's
 * one-file-at-a-time loop against `encodeDataset` with one single-threaded worker, one worker with
 * every core, two workers (one thread each by default) and the BullMQ queue with two worker
 * processes, batch size 1 against 8 with a dynamic-batch ONNX encoder — CPU time against wall
 * time, peak RSS at N and at `--more` items (memory flatness), and audio hours per hour for the
 * loop, 1 and 2 workers and the queue. Each configuration runs in its own process
 * (bench-child.ts). Prints a table and writes bench-results/dataset.json (`--out`) after every
 * row, so a run cut short keeps what it measured. Run it on an otherwise idle machine.
 *
 * The `--more` run only shows that memory stays flat. When it would take longer than
 * `--more-budget` seconds at size² (judged from the two-worker rate at N), it runs at half the
 * size, with a baseline at N items of that size, and says so.
 *
 *   npm run bench -w @mmtok/dataset -- [--images 1000] [--more 20000] [--size 512]
 *        [--more-size <px>] [--more-budget 600] [--audio-files 20] [--audio-seconds 60]
 *        [--out <file.json>] [--quick]
 *   npm run bench -w @mmtok/dataset -- --images 250 --compare-queue 2   (local 2 vs queue 2 only)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { link, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
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
const MORE_BUDGET_S = opt('--more-budget', 600);
/** `--compare-queue R`: only local two workers against the queue, R rounds, with the queue's timeline. */
const COMPARE_ROUNDS = opt('--compare-queue', 0);
const SHARD = Math.max(1, Math.min(1000, Math.ceil(N / 8)));
const CORES = availableParallelism();
const outIndex = args.indexOf('--out');
const OUT_FILE =
  outIndex >= 0 ? resolve(args[outIndex + 1]) : join(here, '..', '..', '..', 'bench-results', 'dataset.json');
const benchStarted = performance.now();

interface Stats {
  wallS: number;
  userS: number;
  sysS: number;
  maxRssMiB: number;
  encodeS?: number;
}

interface Child {
  proc: ChildProcess;
  /** The child's `event <epoch ms> <what>` lines so far. */
  events: () => { at: number; what: string }[];
  ready: Promise<void>;
  stats: Promise<Stats>;
}

let children = 0;

/** Runs bench-child.ts; its options go through a file (1,000 paths would make a ~70 kB command line). */
async function child(mode: string, options: object): Promise<Child> {
  const optionsFile = join(root, `child-${children++}.json`);
  await writeFile(optionsFile, JSON.stringify(options));
  const proc = spawn(
    process.execPath,
    ['--conditions=source', '--import', TSX, join(here, 'bench-child.ts'), mode, optionsFile],
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
  const events = () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('event '))
      .map((l) => {
        const [, at, ...what] = l.split(' ');
        return { at: Number(at), what: what.join(' ') };
      });
  return { proc, ready, stats, events };
}

/** JPEG crops of the bundled sample photos, shifted so no two are alike. */
async function makeImages(dir: string, n: number, size: number): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const samples = join(here, '..', '..', 'image', 'assets', 'samples');
  const photos = ['coffee.png', 'astronaut.png', 'rocket.jpg', 'retina.jpg', 'hubble_deep_field.jpg', 'grass.png'];
  const bases = await Promise.all(
    photos.map(async (p) => resizeImage(await readImage(join(samples, p)), size * 2, size * 2)),
  );
  const paths: string[] = [];
  for (let i = 0; i < n; i++) {
    const crop = cropImage(bases[i % bases.length], {
      left: (i * 37) % size,
      top: (i * 53) % size,
      width: size,
      height: size,
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
let summary: Record<string, { value: number; goal: string }> | undefined;
const notes: string[] = [];
function note(line: string): void {
  notes.push(line);
  console.log(`  note: ${line}`);
}

/** The results so far, written after every row. */
async function save(done: boolean): Promise<void> {
  await mkdir(dirname(OUT_FILE), { recursive: true });
  // The load average says whether the machine was idle (the comparisons mean little otherwise).
  const result = {
    images: N,
    size: SIZE,
    more: MORE,
    shardSize: SHARD,
    cores: CORES,
    loadAverage: loadavg(),
    audioSeconds: AUDIO_FILES * AUDIO_SECONDS,
    complete: done,
    goals: summary,
    benchSeconds: (performance.now() - benchStarted) / 1000,
    notes,
    rows,
  };
  await writeFile(OUT_FILE, `${JSON.stringify(result, null, 2)}\n`);
}

async function record(run: string, items: number, s: Stats, peakRssMiB = s.maxRssMiB, audioSeconds?: number) {
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
    `${run.padEnd(44)} ${String(items).padStart(6)} items  ${s.wallS.toFixed(1).padStart(7)} s  ${row.itemsPerS.toFixed(1).padStart(7)} items/s  CPU ${cpuS.toFixed(1).padStart(7)} s = ${row.cpuPerWall.toFixed(2)}× wall  peak RSS ${peakRssMiB.toFixed(0)} MiB${audioSeconds !== undefined ? `  ${row.audioHoursPerHour!.toFixed(0)}× real time` : ''}`,
  );
  await save(false);
  return row;
}

/**
 * Where a queue run's wall time goes, from the children's event lines (epoch ms): the submitter's
 * start to the first pickup, each worker's shards (pickup → written) and its idle gaps between them,
 * and the last write to the submitter seeing it and to its end.
 */
function timeline(submitter: Child, workers: Child[]): string {
  const sub = submitter.events();
  const t0 = sub.find((e) => e.what === 'begin')!.at;
  const at = (ms: number) => `${((ms - t0) / 1000).toFixed(2)} s`;
  const lines: string[] = [];
  let firstPickup = Infinity;
  let lastWrite = 0;
  workers.forEach((w, i) => {
    let previous: number | undefined;
    const shards: string[] = [];
    let idle = 0;
    let started = 0;
    for (const e of w.events()) {
      const [verb, shard] = e.what.split(' ');
      if (verb === 'start') {
        firstPickup = Math.min(firstPickup, e.at);
        if (previous !== undefined) idle += e.at - previous;
        started = e.at;
      } else if (verb === 'wrote' || verb === 'skip' || verb === 'fail') {
        shards.push(`${shard} ${at(started)}→${at(e.at)} (${((e.at - started) / 1000).toFixed(2)} s)`);
        previous = e.at;
        lastWrite = Math.max(lastWrite, e.at);
      }
    }
    lines.push(`  worker ${i}: ${shards.length} shards, idle between them ${(idle / 1000).toFixed(2)} s`);
    for (const s of shards) lines.push(`    ${s}`);
  });
  const seen = Math.max(...sub.filter((e) => e.what.startsWith('done ')).map((e) => e.at));
  const end = sub.find((e) => e.what === 'end')!.at;
  lines.unshift(
    `  submitter begin → first pickup ${at(firstPickup)}; last write ${at(lastWrite)}, seen ${((seen - lastWrite) / 1000).toFixed(2)} s later, end ${((end - seen) / 1000).toFixed(2)} s after that`,
  );
  return lines.join('\n');
}

/** Stops the bench's redis-server (started before the first run, so a failed run must stop it too). */
let stopRedis = () => {};
const root = await mkdtemp(join(tmpdir(), 'mmtok-dataset-bench-'));
try {
  const load = loadavg()[0].toFixed(1);
  console.log(`dataset bench: ${N} JPEGs of ${SIZE}², shard size ${SHARD}, ${CORES} cores, load ${load}`);
  const images = await makeImages(join(root, 'images'), N, SIZE);
  /** Runs one configuration in its own process; its output folder goes afterwards (disk). */
  const run = async (mode: string, options: { output: string } & Record<string, unknown>) => {
    const stats = await (await child(mode, options)).stats;
    await rm(options.output, { recursive: true, force: true });
    return stats;
  };
  const local = (inputs: string, name: string, options: object = {}) =>
    run('local', { inputs: [inputs], output: join(root, name), shardSize: SHARD, ...options });
  const oneThread = Math.max(1, Math.floor(CORES / 2));

  const redis = await startRedis(join(root, 'redis'));
  stopRedis = redis.stop;
  /** Two worker processes of one single-threaded worker each, a submitter, then the workers stop. */
  const queued = async (inputs: string, name: string, shardSize: number) => {
    const workers = await Promise.all(
      [0, 1].map(() => child('worker', { queue: redis.url, workers: 1, threads: oneThread })),
    );
    await Promise.all(workers.map((w) => w.ready));
    const output = join(root, name);
    const submitter = await child('submit', { inputs: [inputs], output, shardSize, queue: redis.url });
    const submit = await submitter.stats;
    await rm(output, { recursive: true, force: true });
    for (const w of workers) w.proc.kill('SIGTERM');
    const ws = await Promise.all(workers.map((w) => w.stats));
    // CPU of the submitter and both workers; wall from the submitter (it waits for the last shard).
    const total = {
      ...submit,
      userS: submit.userS + ws[0].userS + ws[1].userS,
      sysS: submit.sysS + ws[0].sysS + ws[1].sysS,
    };
    const cpu = (x: Stats) => `${(x.userS + x.sysS).toFixed(1)} s`;
    const startup = workers.map((w) => w.events().find((e) => e.what.startsWith('ready'))?.what);
    const usage = `  CPU: submitter ${cpu(submit)}, workers ${ws.map(cpu).join(' and ')} (${startup.join(', ')})`;
    return {
      total,
      peak: Math.max(ws[0].maxRssMiB, ws[1].maxRssMiB),
      timeline: `${usage}\n${timeline(submitter, workers)}`,
    };
  };

  if (COMPARE_ROUNDS > 0) {
    // Local two workers against the queue with two worker processes on the same images, alternating.
    for (let round = 1; round <= COMPARE_ROUNDS; round++) {
      const two = await record(
        `round ${round}: dataset --workers 2`,
        N,
        await local(join(root, 'images'), 'local-2', { workers: 2 }),
      );
      const q = await queued(join(root, 'images'), 'queued', SHARD);
      const queue = await record(`round ${round}: queue, 2 worker processes`, N, q.total, q.peak);
      console.log(q.timeline);
      console.log(`round ${round}: queue / local = ${(queue.itemsPerS / two.itemsPerS).toFixed(3)}`);
    }
    await save(true);
    // The full bench's runs are skipped: clean up as the finally below would, and stop.
    stopRedis();
    await rm(root, { recursive: true, force: true });
    process.exit(0);
  }

  const loop = await record(
    'loop (one file at a time)',
    N,
    await run('loop', { inputs: images, output: join(root, 'loop') }),
  );
  const single = await record(
    'dataset --workers 1 --threads 1',
    N,
    await local(join(root, 'images'), 'local-1t', { workers: 1, threads: 1 }),
  );
  await record(
    `dataset --workers 1 (${CORES} threads)`,
    N,
    await local(join(root, 'images'), 'local-1', { workers: 1 }),
  );
  const two = await record(
    `dataset --workers 2 (${oneThread} thread${oneThread === 1 ? '' : 's'} each)`,
    N,
    await local(join(root, 'images'), 'local-2', { workers: 2 }),
  );

  // Batching needs an ONNX encoder with a dynamic batch axis: the image package's small parity
  // fixture (a 2-conv encoder on CPU), so this shows the batching overhead or gain on CPU, not a GPU's.
  const batchTokenizer = join(here, '..', '..', 'image', 'test', 'fixtures', 'onnx', 'fsq-batch.manifest.json');
  for (const batchSize of [1, 8]) {
    const s = await local(join(root, 'images'), `batch-${batchSize}`, {
      workers: 1,
      tokenizer: batchTokenizer,
      batchSize,
    });
    await record(`fsq-batch ONNX --batch-size ${batchSize}`, N, s);
  }

  const clips = await makeAudio(join(root, 'audio'), AUDIO_FILES, AUDIO_SECONDS);
  const audioSeconds = AUDIO_FILES * AUDIO_SECONDS;
  const audioShard = Math.ceil(AUDIO_FILES / 4);
  let queue: Row;
  try {
    const q = await queued(join(root, 'images'), 'queued', SHARD);
    queue = await record('queue, 2 worker processes', N, q.total, q.peak);
    const qa = await queued(join(root, 'audio'), 'audio-queued', audioShard);
    await record('audio queue, 2 worker processes', AUDIO_FILES, qa.total, qa.peak, audioSeconds);
  } finally {
    stopRedis();
  }

  await record(
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
      shardSize: audioShard,
      workers,
    });
    await record(`audio dataset --workers ${workers}`, AUDIO_FILES, s, undefined, audioSeconds);
  }

  // Memory flatness: peak RSS at N and at MORE items with two workers. MORE items are hard links
  // to N JPEGs, so they cost no disk; at size² when the two-worker rate says it fits the budget.
  const fullSizeS = MORE / two.itemsPerS;
  const moreSize = opt('--more-size', fullSizeS <= MORE_BUDGET_S ? SIZE : Math.max(16, Math.floor(SIZE / 2)));
  let baseline = join(root, 'images');
  let sources = images;
  let base = two;
  if (moreSize !== SIZE) {
    note(
      `the ${MORE}-item memory run uses ${moreSize}² JPEGs: at ${SIZE}² it would take ~${Math.round(fullSizeS)} s (over --more-budget ${MORE_BUDGET_S} s); its baseline is ${N} items of ${moreSize}²`,
    );
    baseline = join(root, `images-${moreSize}`);
    sources = await makeImages(baseline, N, moreSize);
    base = await record(`dataset --workers 2, ${moreSize}²`, N, await local(baseline, 'local-base', { workers: 2 }));
  }
  const moreDir = join(root, 'more');
  await mkdir(moreDir);
  for (let i = 0; i < MORE; i++) await link(sources[i % N], join(moreDir, `img-${String(i).padStart(6, '0')}.jpg`));
  const big = await local(moreDir, 'local-more', { workers: 2 });
  const more = await record(`dataset --workers 2, ${moreSize}², more items`, MORE, big);

  // The issue's goals: what was measured, and the goal.
  summary = {
    twoWorkersCpuPerWall: { value: two.cpuPerWall, goal: '≥ 1.9' },
    twoWorkersVsLoop: { value: two.itemsPerS / loop.itemsPerS, goal: '≥ 1.3' },
    twoWorkersVsOneSingleThreaded: { value: two.itemsPerS / single.itemsPerS, goal: '≥ 1.8' },
    queueVsLocalTwoWorkers: { value: queue.itemsPerS / two.itemsPerS, goal: '≥ 0.9' },
    peakRssMoreVsN: { value: more.peakRssMiB / base.peakRssMiB, goal: '≈ 1 (flat)' },
  };
  for (const [name, g] of Object.entries(summary))
    console.log(`${name.padEnd(32)} ${g.value.toFixed(2)} (goal ${g.goal})`);

  await save(true);
  console.log(`wrote ${OUT_FILE} (bench took ${((performance.now() - benchStarted) / 1000).toFixed(0)} s)`);
} finally {
  stopRedis();
  await rm(root, { recursive: true, force: true });
}
