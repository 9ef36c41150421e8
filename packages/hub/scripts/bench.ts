/**
 * Hub resolver costs against the local test Hub (127.0.0.1, so the network is not what is measured):
 * a cold fetch of one LFS file (download + sha256 + rename), a warm fetch by branch (one HEAD), by
 * commit (no request) and offline. Prints a table and writes bench-results/hub.json.
 * Usage: tsx --conditions=source scripts/bench.ts [MiB=64]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hubFile } from '../src/index.js';
import { seededBytes, startHubServer } from '../test/hub-server.js';

const mib = Number(process.argv[2] ?? 64);
const bytes = mib * 1024 * 1024;
const server = await startHubServer({ 'bench/model': { files: { 'onnx/model.onnx': seededBytes(1, bytes) } } });
const cacheDir = await mkdtemp(join(tmpdir(), 'mmtok-hub-bench-'));
const options = { endpoint: server.endpoint, cacheDir, offline: false, onProgress: () => {} };

async function time(fn: () => Promise<unknown>, runs: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) await fn();
  return (performance.now() - t0) / runs;
}

const rows: { case: string; ms: number; note: string }[] = [];
const cold = await time(() => hubFile('hf:bench/model', 'onnx/model.onnx', options), 1);
rows.push({
  case: `cold fetch ${mib} MiB`,
  ms: cold,
  note: `${((bytes / 1e6 / cold) * 1000).toFixed(0)} MB/s incl. sha256`,
});
const { commit } = await hubFile('hf:bench/model', 'onnx/model.onnx', options);
rows.push({
  case: 'warm, by branch',
  ms: await time(() => hubFile('hf:bench/model', 'onnx/model.onnx', options), 20),
  note: 'one HEAD',
});
rows.push({
  case: 'warm, by commit',
  ms: await time(() => hubFile(`hf:bench/model@${commit}`, 'onnx/model.onnx', options), 20),
  note: 'no request',
});
rows.push({
  case: 'offline',
  ms: await time(() => hubFile('hf:bench/model', 'onnx/model.onnx', { ...options, offline: true }), 20),
  note: 'refs → snapshot',
});
await server.close();
await rm(cacheDir, { recursive: true, force: true });

console.log('| case | ms | note |\n| --- | ---: | --- |');
for (const r of rows) console.log(`| ${r.case} | ${r.ms.toFixed(2)} | ${r.note} |`);
const dir = new URL('../../../bench-results/', import.meta.url);
mkdirSync(dir, { recursive: true });
writeFileSync(new URL('hub.json', dir), `${JSON.stringify({ mib, node: process.version, rows }, null, 2)}\n`);
