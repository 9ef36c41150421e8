/**
 * The `mmtok` command line: a thin cac parser over the programmatic API in ./api. Options come from
 * OPTIONS (declared once); each command maps parsed options to one API call and prints its result
 * for people, or as JSON with --json. Exit statuses come from exit-codes.ts only.
 */
import { relative } from 'node:path';
import { cac } from 'cac';
// API modules are imported when a command runs, so --help and usage errors skip loading sharp and onnxruntime.
import type { DecodeFilesResult } from './api/decode.js';
import type { DiagnoseFilesResult } from './api/diagnose.js';
import type { EncodeFilesResult } from './api/encode.js';
import type { Description } from './api/info.js';
import type { TokenizerEntry } from './api/tokenizers.js';
import type { TrainTokenizerResult } from './api/train.js';
import type { FileFailure } from './batch.js';
import { errorInfo, usageError } from './errors.js';
import { EXIT, type ExitCode, exitCodeForBatch, exitCodeForError } from './exit-codes.js';
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
  usage: 'encode <...inputs>',
  description: 'Encode images (files, folders, globs) into .mmtok token files',
  options: ['output', 'tokenizer', 'backend'],
  required: ['output'],
  examples: [
    'mmtok encode photo.jpg -o photo.mmtok',
    'mmtok encode photos/ -o tokens/',
    "mmtok encode 'shots/**/*.png' -o tokens/ --tokenizer ./my-tok/manifest.json",
  ],
  run: async (args, o, ctx): Promise<EncodeFilesResult> =>
    (await import('./api/encode.js')).encodeFiles({
      inputs: args,
      output: o.output!,
      tokenizer: o.tokenizer,
      backend: o.backend,
      onProgress: ctx.progress.update,
    }),
  print(r, ctx) {
    for (const f of r.files) {
      ctx.say(
        `${shown(f.input)} → ${shown(f.output)}  ${f.width}×${f.height} → [${f.shape.join('×')}] = ${f.tokens} tokens, ${formatBytes(f.bytes)}`,
      );
    }
    ctx.say(
      `${summary(r.files.length, r.failures.length, 'encoded', 'image')} with ${r.tokenizer.name} ${r.tokenizer.version}`,
    );
  },
  exitCode: batchExit,
  failures: (r) => r.failures,
});

const decode = defineCommand({
  usage: 'decode <...inputs>',
  description: 'Decode .mmtok token files back into images at their original size',
  options: ['output', 'tokenizer', 'backend', 'format'],
  required: ['output'],
  examples: ['mmtok decode photo.mmtok -o back.png', 'mmtok decode tokens/ -o images/ --format webp'],
  run: async (args, o, ctx): Promise<DecodeFilesResult> =>
    (await import('./api/decode.js')).decodeFiles({
      inputs: args,
      output: o.output!,
      tokenizer: o.tokenizer,
      backend: o.backend,
      format: o.format,
      onProgress: ctx.progress.update,
    }),
  print(r, ctx) {
    for (const f of r.files) ctx.say(`${shown(f.input)} → ${shown(f.output)}  ${f.width}×${f.height}`);
    ctx.say(summary(r.files.length, r.failures.length, 'decoded', 'file'));
  },
  exitCode: batchExit,
  failures: (r) => r.failures,
});

const train = defineCommand({
  usage: 'train <...inputs>',
  description: 'Fit the built-in linear-patch tokenizer on images and write its manifest folder',
  options: ['output', 'name', 'patchSize', 'dims', 'quantizer', 'levels', 'codebookSize', 'seed', 'backend'],
  required: ['output'],
  examples: [
    'mmtok train photos/ -o my-tok/',
    'mmtok train photos/ -o my-fsq/ --quantizer fsq --levels 8,5,5,5 --patch-size 8 --seed 1',
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
      onProgress: ctx.progress.update,
    }),
  print(r, ctx) {
    ctx.say(`trained '${r.name}' on ${r.images} image${r.images === 1 ? '' : 's'} → ${shown(r.manifestPath)}`);
    ctx.say(`use it with: mmtok encode <images> -o <out> --tokenizer ${shown(r.manifestPath)}`);
  },
});

function fixed(v: number | null | undefined, digits: number): string {
  return v == null ? 'n/a' : v.toFixed(digits);
}

const diagnose = defineCommand({
  usage: 'diagnose <...inputs>',
  description: 'Encode + decode images, measure PSNR/SSIM and codebook health, write report.json + report.html',
  options: ['output', 'tokenizer', 'backend', 'title'],
  examples: ['mmtok diagnose photos/ -o report/', 'mmtok diagnose photos/ --tokenizer ./my-tok/manifest.json --json'],
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
      ctx.say('no image could be diagnosed; no report written');
      return;
    }
    const agg = r.report.metrics?.aggregate ?? {};
    const levels = r.report.codebook?.perLevel ?? [];
    ctx.say(`${summary(r.files.length, r.failures.length, 'diagnosed', 'image')} with ${r.report.tokenizer.name}`);
    ctx.say(`  PSNR  mean ${fixed(agg.psnr?.mean, 2)} dB  (min ${fixed(agg.psnr?.min, 2)})`);
    ctx.say(`  SSIM  mean ${fixed(agg.ssim?.mean, 4)}`);
    for (const l of levels) {
      ctx.say(
        `  level ${l.level}: ${(l.utilization * 100).toFixed(1)}% of ${l.codebookSize} codes used, perplexity ${l.perplexity.toFixed(1)}`,
      );
    }
    if (r.report.verdict) ctx.say(`  codebook: ${r.report.verdict.status}`);
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
  description: 'Describe a .mmtok token file, a tokenizer manifest, or a built-in tokenizer',
  options: ['backend'],
  maxArgs: 1,
  examples: ['mmtok info photo.mmtok', 'mmtok info default', 'mmtok info ./my-tok/manifest.json --json'],
  run: async (args, o): Promise<Description> =>
    (await import('./api/info.js')).describe({ target: args[0], backend: o.backend }),
  print(d, ctx) {
    if (d.kind === 'token-file') {
      const h = d.header;
      ctx.say(`${shown(d.path)}: mmtok token file, ${formatBytes(d.bytes)}`);
      ctx.say(`  tokenizer  ${h.tokenizer.name} ${h.tokenizer.version} (hash ${h.tokenizer.hash})`);
      ctx.say(`  modality   ${h.modality}`);
      ctx.say(
        `  shape      [${h.shape.join(', ')}] = ${d.tokens} tokens, ${h.dtype}${h.codebookSize ? `, codebook ${h.codebookSize}` : ''}`,
      );
      ctx.say(`  distinct   ${d.distinct} codes`);
      // The full geometry (content and source rectangles) is in --json; people want the size.
      const resize = h.source.resize ? `, resize ${h.source.resize}` : '';
      ctx.say(`  source     ${h.source.width}×${h.source.height} image${resize}`);
      if (h.createdBy) ctx.say(`  created by ${h.createdBy}`);
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

const tokenizers = defineCommand({
  usage: 'tokenizers',
  description: 'List the built-in tokenizers',
  options: [],
  maxArgs: 0,
  examples: ['mmtok tokenizers', 'mmtok tokenizers --json'],
  run: async (): Promise<TokenizerEntry[]> => (await import('./api/tokenizers.js')).listTokenizers(),
  print(list, ctx) {
    const width = Math.max(4, ...list.map((t) => t.name.length));
    for (const t of list) ctx.say(`${t.name.padEnd(width)}  ${t.modality}  ${t.description}`);
  },
  toJson: (list) => ({ tokenizers: list }),
});

export const COMMANDS: readonly Command[] = [encode, decode, train, diagnose, info, tokenizers];

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
