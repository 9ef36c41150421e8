/**
 * The `mmtok` command line: a thin cac parser over the programmatic API in ./api. Options come from
 * OPTIONS (declared once); each command maps parsed options to one API call and prints its result
 * for people, or as JSON with --json. Exit statuses come from exit-codes.ts only.
 */
import { relative } from 'node:path';
import { defaultRegistry } from '@mmtok/core';
import type { DatasetStatus, EncodeDatasetResult } from '@mmtok/dataset';
import { cac } from 'cac';
// API modules are imported when a command runs, so --help and usage errors skip loading sharp and onnxruntime.
import type { DashboardServer, ExportDashboardResult } from './api/dashboard.js';
import type { DecodeFilesResult } from './api/decode.js';
import type { DiagnoseFilesResult } from './api/diagnose.js';
import type { EncodeFilesResult } from './api/encode.js';
import type { listCachedRepos } from './api/hub.js';
import type { Description } from './api/info.js';
import type { PackedPrefixDescription } from './api/pack.js';
import type { TokenizerEntry } from './api/tokenizers.js';
import type { TrainTokenizerResult } from './api/train.js';
import type { FileFailure } from './batch.js';
import { errorInfo, usageError } from './errors.js';
import { EXIT, type ExitCode, exitCodeForBatch, exitCodeForError } from './exit-codes.js';
import { modalityOf } from './modality.js';
import { GLOBAL_OPTIONS, OPTIONS, type OptionKey, type ParsedOptions, readOptions } from './options.js';
import { ProgressBar } from './progress.js';
import { VERSION } from './version.js';

/** Where the CLI writes; process.stdout/stderr in the binary, fakes in tests. */
export interface CliStreams {
  stdout: { write(chunk: string): boolean };
  stderr: { write(chunk: string): boolean; isTTY?: boolean; columns?: number };
}

interface Context {
  json: boolean;
  quiet: boolean;
  /** Human output on stdout (suppressed by --json and --quiet). */
  say(line: string): void;
  progress: ProgressBar;
  streams: CliStreams;
}

interface CommandDef<K extends OptionKey, R> {
  /** cac syntax: 'encode <...inputs>'. */
  usage: string;
  description: string;
  options: readonly K[];
  /** Options the command cannot run without. */
  required?: readonly K[];
  /** Most positional arguments accepted (cac ignores extras silently). */
  maxArgs?: number;
  examples: readonly string[];
  run(args: readonly string[], options: ParsedOptions<K>, ctx: Context): Promise<R>;
  /** Human output for a finished run. */
  print(result: R, ctx: Context): void;
  /** JSON output (default: the result itself). */
  toJson?(result: R): unknown;
  exitCode?(result: R): ExitCode;
  /** Per-input failures to report on stderr. */
  failures?(result: R): readonly FileFailure[];
  /** Runs kernels while its progress bar shows: their backend is started before the bar draws. */
  kernelsUnderProgress?: true;
}

/** A command with its types erased, so different commands fit in one list. */
interface Command {
  usage: string;
  description: string;
  options: readonly OptionKey[];
  examples: readonly string[];
  execute(args: readonly string[], raw: Record<string, unknown>, ctx: Context): Promise<ExitCode>;
}

function defineCommand<K extends OptionKey, R>(def: CommandDef<K, R>): Command {
  return {
    usage: def.usage,
    description: def.description,
    options: def.options,
    examples: def.examples,
    async execute(args, raw, ctx) {
      if (def.maxArgs !== undefined && args.length > def.maxArgs) {
        throw usageError(`too many arguments for '${def.usage}': ${args.slice(def.maxArgs).join(' ')}`);
      }
      const options = readOptions(raw, def.options);
      for (const key of def.required ?? []) {
        if (options[key] === undefined) throw usageError(`missing required option ${OPTIONS[key].flags}`);
      }
      // Starting a GPU backend can print on stderr (Dawn's adapter warnings): before the bar, not inside it.
      // --backend is read apart from `options`, whose type does not know every command takes it.
      if (def.kernelsUnderProgress && ctx.progress.enabled)
        await defaultRegistry.prepare(readOptions(raw, ['backend']).backend);
      const result = await def.run(args, options, ctx);
      ctx.progress.stop();
      for (const f of def.failures?.(result) ?? []) printError(ctx.streams, f);
      if (ctx.json) ctx.streams.stdout.write(`${JSON.stringify(def.toJson ? def.toJson(result) : result, null, 2)}\n`);
      else if (!ctx.quiet) def.print(result, ctx);
      return def.exitCode?.(result) ?? EXIT.ok;
    },
  };
}

function printError(streams: CliStreams, e: { code: string; message: string }): void {
  streams.stderr.write(`mmtok: ${e.message} (${e.code})\n`);
}

function shown(path: string): string {
  const r = relative('.', path);
  return r && !r.startsWith('..') ? r : path;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function summary(done: number, failed: number, verb: string, noun: string): string {
  const tail = failed ? `; ${failed} failed` : '';
  return `${verb} ${done} ${noun}${done === 1 ? '' : 's'}${tail}`;
}

function batchExit<R extends { files: readonly unknown[]; failures: readonly unknown[] }>(result: R): ExitCode {
  return exitCodeForBatch(result.files.length, result.failures.length);
}

const encode = defineCommand({
  kernelsUnderProgress: true,
  usage: 'encode <...inputs>',
  description:
    'Encode images, audio or video (files, folders, globs) into .mmtok token files (a video keeps its sound as an audio track)',
  options: ['output', 'tokenizer', 'backend', 'audioTokenizer', 'audio', 'maxPixels', 'force', 'dtype'],
  required: ['output'],
  examples: [
    'mmtok encode photo.jpg -o photo.mmtok',
    'mmtok encode photos/ -o tokens/',
    "mmtok encode 'shots/**/*.png' -o tokens/ --tokenizer ./my-tok/manifest.json",
    'mmtok encode speech.flac -o speech.mmtok',
    'mmtok encode speech.wav -o speech.mmtok --tokenizer hf:onnx-community/mimi-ONNX',
    'mmtok encode clip.mp4 -o clip.mmtok                 # video + its audio track',
    'mmtok encode clip.mp4 -o clip.mmtok --no-audio',
  ],
  run: async (args, o, ctx): Promise<EncodeFilesResult> => {
    const r = await (await import('./api/encode.js')).encodeFiles({
      inputs: args,
      output: o.output!,
      tokenizer: o.tokenizer,
      // --no-audio gives false; otherwise the named audio tokenizer or the default.
      audioTokenizer: o.audio === false ? false : o.audioTokenizer,
      backend: o.backend,
      dtype: o.dtype,
      maxPixels: o.maxPixels,
      force: o.force,
      onProgress: ctx.progress.update,
    });
    // On stderr, so --json keeps stdout to one document.
    for (const w of r.warnings) ctx.streams.stderr.write(`mmtok: warning: ${w}\n`);
    return r;
  },
  print(r, ctx) {
    for (const f of r.files) {
      const v = f.video;
      const what = v
        ? `${v.width}×${v.height}, ${v.frames} frames @ ${v.fps} fps${v.variableFrameRate ? ' (variable frame rate, resampled)' : ''}`
        : f.audio
          ? `${f.audio.duration.toFixed(2)} s @ ${f.audio.sampleRate} Hz × ${f.audio.channels} ch`
          : `${f.width}×${f.height}`;
      const track = f.audioTrack ? ` + audio track [${f.audioTrack.shape.join('×')}] (${f.audioTrack.tokenizer})` : '';
      ctx.say(
        `${shown(f.input)} → ${shown(f.output)}  ${what} → [${f.shape.join('×')}] = ${f.tokens} tokens${track}, ${formatBytes(f.bytes)}`,
      );
    }
    // Failed inputs count too: "encoded 0 videos; 1 failed" names what was asked for.
    const kinds = new Set([...r.files.map((f) => f.modality), ...r.failures.map((f) => modalityOf(f.input))]);
    const noun =
      kinds.size === 1 && kinds.has('audio')
        ? 'audio file'
        : kinds.size === 1 && kinds.has('video')
          ? 'video'
          : 'image';
    ctx.say(
      `${summary(r.files.length, r.failures.length, 'encoded', noun)} with ${r.tokenizer.name} ${r.tokenizer.version}`,
    );
  },
  exitCode: batchExit,
  failures: (r) => r.failures,
});

const decode = defineCommand({
  kernelsUnderProgress: true,
  usage: 'decode <...inputs>',
  description:
    'Decode .mmtok token files back into images (original size), audio (original length) or video (mp4, webm or PNG frames; the audio track muxed back)',
  options: ['output', 'tokenizer', 'backend', 'format', 'audioTokenizer', 'dtype'],
  required: ['output'],
  examples: [
    'mmtok decode photo.mmtok -o back.png',
    'mmtok decode tokens/ -o images/ --format webp',
    'mmtok decode speech.mmtok -o back.wav',
    'mmtok decode clip.mmtok -o back.mp4',
    "mmtok decode clip.mmtok -o 'frames/%05d.png'        # PNG sequence",
  ],
  run: async (args, o, ctx): Promise<DecodeFilesResult> =>
    (await import('./api/decode.js')).decodeFiles({
      inputs: args,
      output: o.output!,
      tokenizer: o.tokenizer,
      backend: o.backend,
      dtype: o.dtype,
      format: o.format,
      audioTokenizer: o.audioTokenizer,
      onProgress: ctx.progress.update,
    }),
  print(r, ctx) {
    for (const f of r.files) {
      const sound = f.audio ? `${f.audio.duration.toFixed(2)} s @ ${f.audio.sampleRate} Hz` : '';
      const what = f.video
        ? `${f.video.width}×${f.video.height}, ${f.video.frames} frames @ ${f.video.fps} fps${sound ? ` + audio ${sound}` : ''}`
        : sound || `${f.width}×${f.height}`;
      ctx.say(`${shown(f.input)} → ${shown(f.output)}  ${what}`);
    }
    ctx.say(summary(r.files.length, r.failures.length, 'decoded', 'file'));
  },
  exitCode: batchExit,
  failures: (r) => r.failures,
});

const train = defineCommand({
  kernelsUnderProgress: true,
  usage: 'train <...inputs>',
  description:
    'Fit the built-in linear tokenizer (image patches, audio frames or video tubelets) on images, audio or video and write its manifest folder',
  options: [
    'output',
    'name',
    'patchSize',
    'dims',
    'quantizer',
    'levels',
    'codebookSize',
    'seed',
    'backend',
    'hopLength',
    'sampleRate',
    'encoder',
    'dtype',
  ],
  required: ['output'],
  examples: [
    'mmtok train photos/ -o my-tok/',
    'mmtok train photos/ -o my-fsq/ --quantizer fsq --levels 8,5,5,5 --patch-size 8 --seed 1',
    'mmtok train recordings/ -o my-codec/ --levels 8 --codebook-size 256 --hop-length 160',
    'mmtok train clips/ -o my-video-tok/ --patch-size 8 --codebook-size 256',
    'mmtok train speech/ -o hubert-units/ --encoder hf:org/hubert-ONNX --codebook-size 100',
  ],
  run: async (args, o, ctx): Promise<TrainTokenizerResult> =>
    (await import('./api/train.js')).trainTokenizer({
      inputs: args,
      output: o.output!,
      name: o.name,
      patchSize: o.patchSize,
      dims: o.dims,
      quantizer: o.quantizer,
      levels: o.levels,
      codebookSize: o.codebookSize,
      seed: o.seed,
      backend: o.backend,
      hopLength: o.hopLength,
      sampleRate: o.sampleRate,
      encoder: o.encoder,
      dtype: o.dtype,
      onProgress: ctx.progress.update,
    }),
  print(r, ctx) {
    const n = r.modality === 'audio' ? (r.audioFiles ?? 0) : r.modality === 'video' ? (r.videoFiles ?? 0) : r.images;
    const noun = r.modality === 'audio' ? 'audio file' : r.modality === 'video' ? 'video' : 'image';
    ctx.say(`trained '${r.name}' on ${n} ${noun}${n === 1 ? '' : 's'} → ${shown(r.manifestPath)}`);
    if (r.bitrate !== undefined) ctx.say(`  ${r.frameRate} frames/s, ${r.bitrate} bit/s`);
    for (const l of r.codebook?.perLevel ?? []) {
      ctx.say(
        `  codebook level ${l.level}: ${l.used}/${l.codebookSize} codes used, perplexity ${l.perplexity.toFixed(1)}, ${l.dead.count} dead`,
      );
    }
    ctx.say(`use it with: mmtok encode <${noun}s> -o <out> --tokenizer ${shown(r.manifestPath)}`);
  },
});

function fixed(v: number | null | undefined, digits: number): string {
  return v == null ? 'n/a' : v.toFixed(digits);
}

const diagnose = defineCommand({
  kernelsUnderProgress: true,
  usage: 'diagnose <...inputs>',
  description:
    'Encode + decode images (PSNR/SSIM), audio (SNR, SI-SDR, mel/STFT distance) or video (per-frame PSNR/SSIM, worst frames, flicker), check codebook health, write report.json + report.html',
  options: ['output', 'tokenizer', 'backend', 'title'],
  examples: [
    'mmtok diagnose photos/ -o report/',
    'mmtok diagnose photos/ --tokenizer ./my-tok/manifest.json --json',
    'mmtok diagnose speech/*.wav -o audio-report/',
    'mmtok diagnose clips/*.mp4 -o video-report/',
  ],
  run: async (args, o, ctx): Promise<DiagnoseFilesResult> =>
    (await import('./api/diagnose.js')).diagnoseFiles({
      inputs: args,
      output: o.output,
      tokenizer: o.tokenizer,
      backend: o.backend,
      title: o.title,
      onProgress: ctx.progress.update,
    }),
  print(r, ctx) {
    if (!r.report) {
      ctx.say('no input could be diagnosed; no report written');
      return;
    }
    const agg = r.report.metrics?.aggregate ?? {};
    const levels = r.report.codebook?.perLevel ?? [];
    if (r.report.tokenizer.modality === 'audio') {
      ctx.say(
        `${summary(r.files.length, r.failures.length, 'diagnosed', 'audio file')} with ${r.report.tokenizer.name}`,
      );
      ctx.say(`  SI-SDR  mean ${fixed(agg.siSdr?.mean, 2)} dB  (min ${fixed(agg.siSdr?.min, 2)})`);
      ctx.say(`  SNR     mean ${fixed(agg.snr?.mean, 2)} dB`);
      ctx.say(
        `  log-mel distance ${fixed(agg.logMelDistance?.mean, 4)}, multi-resolution STFT distance ${fixed(agg.multiResolutionStftDistance?.mean, 3)}`,
      );
    } else if (r.report.tokenizer.modality === 'video') {
      ctx.say(`${summary(r.files.length, r.failures.length, 'diagnosed', 'video')} with ${r.report.tokenizer.name}`);
      ctx.say(`  PSNR  mean ${fixed(agg.psnr?.mean, 2)} dB  (worst frame ${fixed(agg.psnrMin?.min, 2)} dB)`);
      ctx.say(`  SSIM  mean ${fixed(agg.ssim?.mean, 4)}  (worst frame ${fixed(agg.ssimMin?.min, 4)})`);
      ctx.say(`  temporal flicker ${fixed(agg.flicker?.mean, 4)}`);
      for (const it of r.report.metrics?.items ?? []) {
        const w = it.video?.worstFrames ?? [];
        if (w.length) ctx.say(`  ${shown(it.id)}: worst frames ${w.map((f) => f.frame).join(', ')}`);
      }
    } else {
      ctx.say(`${summary(r.files.length, r.failures.length, 'diagnosed', 'image')} with ${r.report.tokenizer.name}`);
      ctx.say(`  PSNR  mean ${fixed(agg.psnr?.mean, 2)} dB  (min ${fixed(agg.psnr?.min, 2)})`);
      ctx.say(`  SSIM  mean ${fixed(agg.ssim?.mean, 4)}`);
    }
    for (const l of levels) {
      ctx.say(
        `  level ${l.level}: ${(l.utilization * 100).toFixed(1)}% of ${l.codebookSize} codes used, perplexity ${l.perplexity.toFixed(1)}`,
      );
    }
    if (r.report.verdict) {
      const v = r.report.verdict;
      ctx.say(`  codebook: ${v.status}`);
      for (const a of v.alarms) ctx.say(`    ${a.severity} ${a.code}: ${a.message}`);
      if (v.insufficient?.length) {
        ctx.say(
          `    not judged (fewer than 256 indices): level${v.insufficient.length > 1 ? 's' : ''} ${v.insufficient.join(', ')}`,
        );
      }
    }
    ctx.say(`report: ${shown(r.reportPath!)}`);
    ctx.say(`        ${shown(r.htmlPath!)}`);
  },
  // The full report (with per-code counts) is in report.json; stdout gets the summary.
  toJson: (r) => ({
    reportPath: r.reportPath ?? null,
    htmlPath: r.htmlPath ?? null,
    tokenizer: r.report?.tokenizer ?? null,
    aggregate: r.report?.metrics?.aggregate ?? null,
    verdict: r.report?.verdict ?? null,
    codebook:
      r.report?.codebook?.perLevel.map((l) => ({
        level: l.level,
        codebookSize: l.codebookSize,
        used: l.used,
        utilization: l.utilization,
        perplexity: l.perplexity,
      })) ?? null,
    files: r.files,
    failures: r.failures,
  }),
  exitCode: batchExit,
  failures: (r) => r.failures,
});

const info = defineCommand({
  usage: 'info <target>',
  description:
    'Describe a .mmtok token file (and its tracks), an image, audio or video file, a tokenizer manifest, a built-in tokenizer, or a Hub repo (hf:org/name[@revision]: commit, model_type, ONNX dtypes)',
  options: ['backend'],
  maxArgs: 1,
  examples: [
    'mmtok info photo.mmtok',
    'mmtok info clip.mp4',
    'mmtok info speech.flac',
    'mmtok info default',
    'mmtok info ./my-tok/manifest.json --json',
    'mmtok info hf:onnx-community/mimi-ONNX',
    'mmtok info data/train                               # a packed prefix (mmtok pack -o data/train)',
  ],
  run: async (args, o): Promise<Description> =>
    (await import('./api/info.js')).describe({ target: args[0], backend: o.backend }),
  print(d, ctx) {
    if (d.kind === 'packed') {
      printPacked(d, ctx);
    } else if (d.kind === 'token-file') {
      const h = d.header;
      ctx.say(`${shown(d.path)}: mmtok token file, ${formatBytes(d.bytes)}`);
      ctx.say(`  tokenizer  ${h.tokenizer.name} ${h.tokenizer.version} (hash ${h.tokenizer.hash})`);
      ctx.say(`  modality   ${h.modality}`);
      ctx.say(
        `  shape      [${h.shape.join(', ')}] = ${d.tokens} tokens, ${h.dtype}${h.codebookSize ? `, codebook ${h.codebookSize}` : ''}`,
      );
      ctx.say(`  distinct   ${d.distinct} codes`);
      if (h.modality === 'video') {
        const s = h.source;
        const vfr = s.variableFrameRate ? ' (variable frame rate, resampled)' : '';
        ctx.say(
          `  source     ${s.width}×${s.height}, ${s.frames} frames @ ${s.fps} fps = ${Number(s.duration).toFixed(3)} s${vfr}`,
        );
      } else if (h.modality === 'audio') {
        const s = h.source;
        ctx.say(
          `  source     ${Number(s.duration).toFixed(3)} s, ${s.samples} samples @ ${s.sampleRate} Hz × ${s.channels} ch${s.frameRate ? `, ${s.frameRate} frames/s` : ''}`,
        );
      } else {
        // The full geometry (content and source rectangles) is in --json; people want the size.
        const resize = h.source.resize ? `, resize ${h.source.resize}` : '';
        ctx.say(`  source     ${h.source.width}×${h.source.height} image${resize}`);
      }
      for (const t of d.tracks) {
        const s = t.source;
        const facts =
          t.modality === 'audio' ? `, ${Number(s.duration).toFixed(3)} s @ ${s.sampleRate} Hz × ${s.channels} ch` : '';
        ctx.say(
          `  track      '${t.name}': ${t.modality}, ${t.tokenizer.name} ${t.tokenizer.version}, [${t.shape.join(', ')}] = ${t.tokens} tokens, ${t.dtype}${facts}`,
        );
      }
      if (h.createdBy) ctx.say(`  created by ${h.createdBy}`);
    } else if (d.kind === 'image-file') {
      const i = d.image;
      ctx.say(`${shown(d.path)}: image, ${formatBytes(d.bytes)}`);
      ctx.say(
        `  image      ${i.format} ${i.width}×${i.height}, ${i.channels} channel${i.channels === 1 ? '' : 's'}${i.hasAlpha ? ' (alpha: flattened onto white when encoded)' : ''}`,
      );
      if (i.pages > 1) ctx.say(`  frames     ${i.pages} (encode reads the first)`);
    } else if (d.kind === 'audio-file') {
      const a = d.audio;
      ctx.say(`${shown(d.path)}: audio, ${formatBytes(d.bytes)}`);
      ctx.say(`  audio      ${a.codec} ${a.sampleRate} Hz × ${a.channels} ch`);
      if (a.duration !== undefined) ctx.say(`  length     ${a.duration.toFixed(3)} s`);
    } else if (d.kind === 'video-file') {
      const v = d.video;
      ctx.say(`${shown(d.path)}: video, ${formatBytes(d.bytes)}`);
      ctx.say(
        `  video      ${v.codec} ${v.width}×${v.height} @ ${v.fps} fps${v.variableFrameRate ? ' (variable frame rate)' : ''}`,
      );
      ctx.say(`  length     ${v.duration.toFixed(3)} s${v.frames !== null ? `, ${v.frames} frames` : ''}`);
      ctx.say(`  audio      ${v.hasAudio ? 'yes (encode stores it as an audio track)' : 'none'}`);
    } else if (d.kind === 'hub-repo') {
      ctx.say(`hf:${d.repo}@${d.revision}: Hub repo at commit ${d.commit}`);
      if (d.modelType) ctx.say(`  model_type ${d.modelType}`);
      for (const m of d.models) {
        ctx.say(`  onnx       ${m.name}: ${Object.keys(m.dtypes).join(', ') || 'no known dtype'}`);
      }
      ctx.say(`  files      ${d.files.join(', ')}`);
    } else {
      const q = d.quantizer;
      ctx.say(`tokenizer ${d.identity.name} ${d.identity.version}`);
      ctx.say(`  hash       ${d.identity.hash}`);
      ctx.say(
        q
          ? `  quantizer  ${q.type}, ${q.codebookSize} codes × ${q.levels} level${q.levels === 1 ? '' : 's'}, dim ${q.dim}`
          : '  quantizer  inside the ONNX encoder',
      );
      if (d.manifestPath) ctx.say(`  manifest   ${shown(d.manifestPath)}`);
    }
  },
});

type TokenizersResult = { tokenizers: TokenizerEntry[] } | Awaited<ReturnType<typeof listCachedRepos>>;

const tokenizers = defineCommand({
  usage: 'tokenizers',
  description: 'List the built-in tokenizers, or with --cached the Hub repos in the Hugging Face cache',
  options: ['cached'],
  maxArgs: 0,
  examples: ['mmtok tokenizers', 'mmtok tokenizers --json', 'mmtok tokenizers --cached'],
  run: async (_args, o): Promise<TokenizersResult> =>
    o.cached
      ? (await import('./api/hub.js')).listCachedRepos()
      : { tokenizers: (await import('./api/tokenizers.js')).listTokenizers() },
  print(r, ctx) {
    if ('tokenizers' in r) {
      const width = Math.max(4, ...r.tokenizers.map((t) => t.name.length));
      for (const t of r.tokenizers) ctx.say(`${t.name.padEnd(width)}  ${t.modality}  ${t.description}`);
      return;
    }
    if (r.repos.length === 0) ctx.say(`no Hub repos cached in ${r.cacheDir}`);
    for (const repo of r.repos) {
      ctx.say(`hf:${repo.repo}  ${formatBytes(repo.size)}`);
      for (const v of repo.revisions) {
        const refs = v.refs.length ? ` (${v.refs.join(', ')})` : '';
        ctx.say(`  @${v.commit}${refs}  ${v.files} file${v.files === 1 ? '' : 's'}, ${formatBytes(v.size)}`);
      }
    }
  },
});

type DashboardResult =
  | ({ mode: 'serve'; reports: number } & DashboardServer)
  | ({ mode: 'export' } & ExportDashboardResult);

const dashboard = defineCommand({
  usage: 'dashboard [...reports]',
  description: 'Open diagnostics reports in the dashboard web app, served on 127.0.0.1 (read-only, nothing uploaded)',
  options: ['port', 'export', 'urlToken'],
  examples: [
    'mmtok dashboard report/report.json',
    'mmtok dashboard default/ trained/ --port 8080    # two reports (folders holding report.json), compare A/B',
    'mmtok dashboard report/ --export share/          # static copy for any web server',
    'mmtok dashboard                                  # empty; drop report.json or .mmtok files onto the page',
  ],
  run: async (args, o): Promise<DashboardResult> => {
    const api = await import('./api/dashboard.js');
    if (o.export !== undefined) {
      if (o.port !== undefined) throw usageError('--port and --export do not go together: an export is not served');
      return { mode: 'export', ...(await api.exportDashboard({ reports: args, outDir: o.export })) };
    }
    const server = await api.startDashboard({ reports: args, port: o.port, urlToken: o.urlToken });
    // Serve until interrupted; close cleanly so the port is released at once.
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => void server.close().then(() => process.exit(0)));
    }
    return { mode: 'serve', reports: args.length, ...server };
  },
  print(r, ctx) {
    if (r.mode === 'export') {
      ctx.say(
        `exported the dashboard with ${r.reports} report${r.reports === 1 ? '' : 's'} and ${r.media} media file${r.media === 1 ? '' : 's'} → ${shown(r.outDir)} (${r.files} files, ${formatBytes(r.bytes)})`,
      );
      for (const m of r.missingMedia) ctx.say(`  missing media (the page will say so): ${shown(m)}`);
      for (const m of r.refusedMedia) ctx.say(`  media left out (${m.reason}): ${shown(m.file)}`);
      ctx.say('serve it with any static file server, e.g. python3 -m http.server -d <dir>');
      return;
    }
    ctx.say(`mmtok dashboard: ${r.url}`);
    ctx.say(`serving ${r.reports} report${r.reports === 1 ? '' : 's'} read-only on this machine; press Ctrl-C to stop`);
  },
  toJson: (r) => (r.mode === 'serve' ? { url: r.url, reports: r.reports } : { ...r }),
});

function printPacked(d: PackedPrefixDescription, ctx: Context): void {
  const l = d.layout;
  ctx.say(
    `${shown(d.prefix)}: packed ${d.output.format} ${d.output.dtype}, layout '${l.preset}' (${l.modality}, ${l.tokenizer.name} ${l.tokenizer.version})`,
  );
  ctx.say(
    `  vocabulary ${l.vocabSize} ids, media from ${l.base}${l.text ? `, text ids below ${l.text.vocabSize} (${l.text.place} the media)` : ''}`,
  );
  ctx.say(
    `  documents  ${d.documents}, ${d.tokens} tokens (${d.textTokens} text), lengths ${d.minLength}…${d.maxLength}`,
  );
  for (const [m, c] of Object.entries(d.modalities))
    ctx.say(`  ${m.padEnd(10)} ${c.documents} documents, ${c.tokens} tokens`);
  for (const b of d.lengthHistogram) ctx.say(`  length [${b.from}, ${b.to})  ${b.documents}`);
}

const pack = defineCommand({
  usage: 'pack <...inputs>',
  description:
    'Pack token files (or a dataset folder) into training sequences: a Megatron indexed dataset (.bin + .idx), a flat .bin or .npy, with <prefix>.layout.json and <prefix>.docs.jsonl beside',
  options: ['output', 'layout', 'textTokenizer', 'textField', 'textPlace', 'to'],
  required: ['output'],
  examples: [
    'mmtok pack tokens/ -o data/train --layout offset',
    'mmtok pack dataset/ -o data/train --layout emu3-rows --text-tokenizer tokenizer.json',
    'mmtok pack speech/ -o data/tts --layout orpheus-snac',
    'mmtok pack tokens/ -o data/train --layout my-layout.json --to flat',
    'mmtok pack data/shard-0 data/shard-1 -o data/all            # merge packed prefixes',
  ],
  run: async (args, o) =>
    (await import('./api/pack.js')).packFiles({
      inputs: args,
      output: o.output!,
      layout: o.layout!,
      textTokenizer: o.textTokenizer,
      textField: o.textField,
      textPlace: o.textPlace,
      format: o.to,
    }),
  print(r, ctx) {
    ctx.say(
      `packed ${r.documents} document${r.documents === 1 ? '' : 's'}, ${r.tokens} tokens (${r.format}, ${r.dtype}, layout '${r.layout.preset}', vocabulary ${r.layout.vocabSize}) → ${shown(r.prefix)}.*`,
    );
    for (const p of r.paths) ctx.say(`  ${shown(p)}`);
    if ('textSkipped' in r && r.textSkipped)
      ctx.say(`  ${r.textSkipped} caption${r.textSkipped === 1 ? '' : 's'} left out: no --text-tokenizer`);
  },
  toJson: (r) => ({ ...r, layout: undefined, preset: r.layout.preset, vocabSize: r.layout.vocabSize }),
});

const unpack = defineCommand({
  usage: 'unpack <prefix>',
  description: 'Turn a packed prefix back into .mmtok token files (one per document) that mmtok decode reads',
  options: ['output'],
  required: ['output'],
  maxArgs: 1,
  examples: ['mmtok unpack data/train -o tokens-back/'],
  run: async (args, o) => {
    if (!args[0]) throw usageError('unpack needs the prefix given to mmtok pack');
    return (await import('./api/pack.js')).unpackPrefix(args[0], o.output!);
  },
  print(r, ctx) {
    ctx.say(`unpacked ${r.files.length} token file${r.files.length === 1 ? '' : 's'} → ${shown(r.outDir)}`);
  },
});

type DatasetCommandResult =
  | ({ action: 'encode' } & EncodeDatasetResult)
  | ({ action: 'status' } & DatasetStatus)
  | { action: 'worker'; stopped: string };

const DATASET_ACTIONS = ['encode', 'worker', 'status'];

// One cac command: cac matches a command by its first word only, so the action is an argument.
const dataset = defineCommand({
  usage: 'dataset <action> [...args]',
  description:
    'Tokenize a dataset into sharded WebDataset tars (resumable; all cores), or run it on many machines through a BullMQ queue: dataset encode <inputs…> -o <dir> | dataset worker --queue <url> | dataset status <dir>',
  options: [
    'output',
    'tokenizer',
    'backend',
    'shardSize',
    'workers',
    'threads',
    'batchSize',
    'retries',
    'queue',
    'queueName',
    'audioTokenizer',
    'audio',
    'dtype',
    'maxPixels',
  ],
  examples: [
    'mmtok dataset encode photos/ -o ds/ --shard-size 1000',
    'mmtok dataset encode clips/ -o ds/ --no-audio',
    "mmtok dataset encode 'webdata/data-{00000..00099}.tar' list.jsonl -o ds/ --workers 2",
    'mmtok dataset encode photos/ -o /shared/ds --queue redis://queue-host:6379/0   # submit and wait',
    'mmtok dataset worker --queue redis://queue-host:6379/0                        # on each machine',
    'mmtok dataset status ds/',
  ],
  run: async ([action, ...args], o, ctx): Promise<DatasetCommandResult> => {
    const api = await import('./api/dataset.js');
    if (action === 'encode') {
      if (!o.output) throw usageError('dataset encode needs -o <dir>');
      if (args.length === 0) throw usageError('dataset encode needs inputs (folders, globs, list files or tars)');
      const r = await api.encodeDatasetCommand({
        inputs: args,
        output: o.output,
        tokenizer: o.tokenizer,
        backend: o.backend,
        shardSize: o.shardSize,
        workers: o.workers,
        threads: o.threads,
        batchSize: o.batchSize,
        retries: o.retries,
        queue: o.queue,
        queueName: o.queueName,
        // cac reads --no-audio as audio: false; either way the options travel with each shard.
        audioTokenizer: o.audio === false ? false : o.audioTokenizer,
        dtype: o.dtype,
        maxPixels: o.maxPixels,
        onProgress: ctx.progress.update,
      });
      return { action, ...r };
    }
    if (action === 'worker') {
      if (!o.queue) throw usageError('dataset worker needs --queue redis://host:port/db');
      if (args.length > 0) throw usageError(`dataset worker takes no arguments, got ${args.join(' ')}`);
      if (o.audio === false || o.audioTokenizer || o.dtype || o.maxPixels) {
        throw usageError(
          '--audio-tokenizer, --no-audio, --dtype and --max-pixels go to dataset encode: workers take them from each shard job',
        );
      }
      const r = await api.runDatasetWorkerCommand({
        queue: o.queue,
        queueName: o.queueName,
        workers: o.workers,
        threads: o.threads,
        log: (line) => ctx.say(line),
      });
      return { action, ...r };
    }
    if (action === 'status') {
      if (args.length !== 1) throw usageError('dataset status takes one dataset folder');
      return { action, ...(await api.datasetStatusCommand(args[0])) };
    }
    throw usageError(`unknown dataset action '${action}'; use ${DATASET_ACTIONS.join(', ')}`);
  },
  print(r, ctx) {
    if (r.action === 'worker') {
      ctx.say(`worker stopped (${r.stopped})`);
      return;
    }
    if (r.action === 'encode') {
      const done = r.shards - r.failed.length;
      ctx.say(`${done}/${r.shards} shards done (${r.skipped} already done before) → ${shown(r.output)}`);
      for (const f of r.failed) ctx.say(`  ${f.shard} failed: ${f.message} (${f.code})`);
      if (r.index) {
        ctx.say(
          `  ${r.index.items} samples, ${r.index.tokens} tokens, ${formatBytes(r.index.bytes)}; ${r.index.failures} item${r.index.failures === 1 ? '' : 's'} failed (see shard-*.errors.jsonl)`,
        );
      }
      return;
    }
    ctx.say(
      `${shown(r.dir)}: ${r.done.length}/${r.shards} shards done, ${r.failed.length} failed, ${r.missing.length} missing${r.complete ? ' (complete: dataset.json written)' : ''}`,
    );
    ctx.say(`  ${r.items} samples, ${r.failures} item failures, ${r.tokens} tokens, ${formatBytes(r.bytes)}`);
    for (const f of r.failed) ctx.say(`  ${f.shard} failed: ${f.message} (${f.code})`);
    if (r.missing.length)
      ctx.say(`  missing: ${r.missing.slice(0, 10).join(', ')}${r.missing.length > 10 ? ', …' : ''}`);
  },
  exitCode: (r) => {
    if (r.action === 'encode') {
      if (r.failed.length > 0) return r.failed.length === r.shards ? EXIT.error : EXIT.partial;
      return (r.index?.failures ?? 0) > 0 ? EXIT.partial : EXIT.ok;
    }
    return r.action === 'status' && !r.complete ? EXIT.partial : EXIT.ok;
  },
});

export const COMMANDS: readonly Command[] = [
  encode,
  decode,
  train,
  diagnose,
  info,
  tokenizers,
  dashboard,
  pack,
  unpack,
  dataset,
];

/** Runs `mmtok` with the arguments after the program name; resolves to the exit status. */
export async function runCli(argv: readonly string[], streams: CliStreams = process): Promise<ExitCode> {
  const cli = cac('mmtok');
  for (const key of GLOBAL_OPTIONS) cli.option(OPTIONS[key].flags, OPTIONS[key].description);
  let ctx: Context | undefined;
  for (const def of COMMANDS) {
    const command = cli.command(def.usage, def.description);
    for (const key of def.options) command.option(OPTIONS[key].flags, OPTIONS[key].description);
    for (const example of def.examples) command.example(`  $ ${example}`);
    command.action(() => def.execute(cli.args, cli.options, ctx!));
  }
  cli.example('  $ mmtok encode photo.jpg -o photo.mmtok');
  cli.example('  $ mmtok decode photo.mmtok -o back.png');
  cli.example('  $ mmtok diagnose photos/ -o report/');
  cli.help();
  cli.version(VERSION);

  let json = false;
  try {
    cli.parse(['node', 'mmtok', ...argv], { run: false });
    const globals = readOptions(cli.options, GLOBAL_OPTIONS);
    json = globals.json ?? false;
    const quiet = globals.quiet ?? false;
    if (cli.options.help || cli.options.version) return EXIT.ok;
    if (!cli.matchedCommand) {
      if (cli.args.length > 0) throw usageError(`unknown command '${cli.args[0]}'`);
      cli.outputHelp();
      return EXIT.usage;
    }
    ctx = {
      json,
      quiet,
      say: (line) => streams.stdout.write(`${line}\n`),
      progress: new ProgressBar(streams.stderr, !quiet),
      streams,
    };
    return (await cli.runMatchedCommand()) as ExitCode;
  } catch (e) {
    ctx?.progress.stop();
    const info = errorInfo(e);
    printError(streams, info);
    if (info.code === 'MMTOK_INTERNAL' && process.env.MMTOK_DEBUG) streams.stderr.write(`${(e as Error).stack}\n`);
    const exit = exitCodeForError(e);
    if (exit === EXIT.usage)
      streams.stderr.write(`see: mmtok ${cli.matchedCommandName ?? ''} --help\n`.replace('  ', ' '));
    if (json) streams.stdout.write(`${JSON.stringify({ error: info }, null, 2)}\n`);
    return exit;
  }
}
