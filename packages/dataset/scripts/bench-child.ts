/**
 * One configuration of the dataset benchmark, in its own process so its CPU time and peak RSS are
 * its own: `bench-child.ts <mode> <options.json>` prints `stats {...}` as its last line.
 *   loop    the one-file-at-a-time loop `mmtok encode` runs today (read, encode, write a .mmtok)
 *   local   encodeDataset on this machine
 *   submit  encodeDataset through the queue (waits for workers)
 *   worker  a queue worker until SIGTERM
 */
import { mkdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { encodeAudioFile, loadAudioTokenizer } from '@mmtok/audio';
import { encodeTokenFile, type TokenSource } from '@mmtok/core';
import { writeFileAtomic } from '@mmtok/core/node';
import { loadTokenizer, readImage } from '@mmtok/image';
import { encodeDataset, runDatasetWorker } from '../src/index.js';

const [mode, optionsFile] = process.argv.slice(2);
const o = JSON.parse(await readFile(optionsFile, 'utf8'));
const started = performance.now();

function stats(extra: object = {}): void {
  const cpu = process.cpuUsage();
  const r = process.resourceUsage();
  const out = {
    wallS: (performance.now() - started) / 1000,
    userS: cpu.user / 1e6,
    sysS: cpu.system / 1e6,
    maxRssMiB: r.maxRSS / 1024,
    ...extra,
  };
  console.log(`stats ${JSON.stringify(out)}`);
}

function event(what: string): void {
  console.log(`event ${Date.now()} ${what}`);
}

if (mode === 'loop') {
  await mkdir(o.output, { recursive: true });
  const image = o.audio ? undefined : await loadTokenizer('default');
  const audio = o.audio ? await loadAudioTokenizer('default') : undefined;
  const t0 = performance.now();
  for (const path of o.inputs as string[]) {
    let bytes: Uint8Array;
    if (audio) {
      const tokens = await encodeAudioFile(audio, path);
      bytes = encodeTokenFile({
        header: {
          tokenizer: tokens.tokenizer,
          modality: 'audio',
          shape: tokens.shape,
          source: tokens.source as TokenSource,
        },
        indices: tokens.indices,
      });
    } else {
      const tokens = await image!.encode(await readImage(path));
      bytes = encodeTokenFile({
        header: {
          tokenizer: tokens.tokenizer,
          modality: 'image',
          shape: tokens.shape,
          source: tokens.source as TokenSource,
        },
        indices: tokens.indices,
      });
    }
    await writeFileAtomic(join(o.output, `${basename(path)}.mmtok`), bytes);
  }
  stats({ encodeS: (performance.now() - t0) / 1000 });
} else if (mode === 'local' || mode === 'submit') {
  // `event <epoch ms> <what>` lines: when each shard's marker was seen (the bench's timeline).
  event('begin');
  const r = await encodeDataset({ ...o, onShard: (m: { shard: string }) => event(`done ${m.shard}`) });
  event('end');
  stats({ items: r.index?.items, failed: r.failed.length });
} else {
  const worker = await runDatasetWorker({ ...o, log: event });
  const cpu = process.cpuUsage();
  event(`ready after ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU`);
  console.log('ready');
  process.on('SIGTERM', () => {
    worker.close().then(() => {
      stats();
      process.exit(0);
    });
  });
}
