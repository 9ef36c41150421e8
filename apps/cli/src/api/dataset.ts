/**
 * `mmtok dataset encode | worker | status`: the command line over @mmtok/dataset (loaded when a
 * dataset command runs). Progress goes to the CLI's bar with items/s and the time left.
 */
import type { DatasetProgress, DatasetStatus, EncodeDatasetResult } from '@mmtok/dataset';
import type { ProgressCallback } from '../progress.js';

export interface DatasetEncodeOptions {
  inputs: readonly string[];
  output: string;
  tokenizer?: string;
  backend?: string;
  shardSize?: number;
  workers?: number;
  threads?: number;
  batchSize?: number;
  retries?: number;
  queue?: string;
  queueName?: string;
  /** Video sound tracks: their audio tokenizer, or false for `--no-audio`. */
  audioTokenizer?: string | false;
  dtype?: string;
  maxPixels?: number;
  onProgress?: ProgressCallback;
}

function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** A dataset progress report as a bar line: items, shards, rate and ETA. */
export function datasetProgressEvent(p: DatasetProgress): Parameters<ProgressCallback>[0] {
  const eta = p.etaSeconds !== undefined ? `, ETA ${duration(p.etaSeconds)}` : '';
  return {
    phase: 'dataset',
    done: p.itemsDone,
    total: p.items,
    item: `shards ${p.shardsDone}/${p.shards}, ${p.itemsPerSecond.toFixed(1)} items/s${eta}`,
  };
}

export async function encodeDatasetCommand(options: DatasetEncodeOptions): Promise<EncodeDatasetResult> {
  const { encodeDataset } = await import('@mmtok/dataset');
  const { onProgress, ...rest } = options;
  return encodeDataset({ ...rest, onProgress: onProgress && ((p) => onProgress(datasetProgressEvent(p))) });
}

export interface DatasetWorkerCommandOptions {
  queue: string;
  queueName?: string;
  workers?: number;
  threads?: number;
  log: (line: string) => void;
}

/** Runs a queue worker until SIGINT or SIGTERM, then lets it finish the shards in hand. */
export async function runDatasetWorkerCommand(options: DatasetWorkerCommandOptions): Promise<{ stopped: string }> {
  const { runDatasetWorker } = await import('@mmtok/dataset');
  const worker = await runDatasetWorker(options);
  options.log(`worker ready on ${options.queue} (queue '${options.queueName ?? 'mmtok-dataset'}'); Ctrl-C stops it`);
  const signal = await new Promise<string>((resolve) => {
    for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => resolve(s));
  });
  await worker.close();
  return { stopped: signal };
}

export async function datasetStatusCommand(dir: string): Promise<DatasetStatus> {
  const { datasetStatus } = await import('@mmtok/dataset');
  return datasetStatus(dir);
}
