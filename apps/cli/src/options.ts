/**
 * Every command-line option, declared once: its flags and help text (registered with cac) and how
 * its raw value becomes the typed value the programmatic API takes. Commands pick options by key.
 */
import { usageError } from './errors.js';
import { OUTPUT_IMAGE_FORMATS } from './formats.js';

export interface OptionSpec<T> {
  /** cac's raw name, e.g. '-o, --output <path>'; the key in OPTIONS is its camel-cased long name. */
  flags: string;
  description: string;
  parse(raw: unknown, flag: string): T;
}

/** The long flag as written by users, for messages. */
export function longFlag(spec: OptionSpec<unknown>): string {
  return (
    spec.flags
      .split(',')
      .map((s) => s.trim().split(' ')[0])
      .find((s) => s.startsWith('--')) ?? spec.flags
  );
}

/** cac gives a string, a number (it converts numeric-looking values), true (flag without value) or an array (repeated flag). */
function single(raw: unknown, flag: string): string {
  if (Array.isArray(raw)) throw usageError(`${flag} was given ${raw.length} times; give it once`);
  if (raw === true || raw === '' || raw === false) throw usageError(`${flag} needs a value`);
  return String(raw);
}

function text(flags: string, description: string): OptionSpec<string> {
  return { flags, description, parse: single };
}

function integer(flags: string, description: string, min: number): OptionSpec<number> {
  return {
    flags,
    description,
    parse(raw, flag) {
      const s = single(raw, flag);
      const n = Number(s);
      if (!/^-?\d+$/.test(s.trim()) || !Number.isSafeInteger(n) || n < min) {
        throw usageError(`${flag} must be an integer ≥ ${min}, got '${s}'`);
      }
      return n;
    },
  };
}

function integerList(flags: string, description: string): OptionSpec<number[]> {
  return {
    flags,
    description,
    parse(raw, flag) {
      const s = single(raw, flag);
      const parts = s.split(',').map((p) => p.trim());
      if (!parts.every((p) => /^\d+$/.test(p) && Number(p) >= 1)) {
        throw usageError(`${flag} must be a positive integer or a comma-separated list of them, got '${s}'`);
      }
      return parts.map(Number);
    },
  };
}

function choice<const C extends readonly string[]>(
  flags: string,
  description: string,
  choices: C,
): OptionSpec<C[number]> {
  return {
    flags,
    description: `${description} (${choices.join(' | ')})`,
    parse(raw, flag) {
      const s = single(raw, flag);
      if (!choices.includes(s)) throw usageError(`${flag} must be one of ${choices.join(', ')}, got '${s}'`);
      return s as C[number];
    },
  };
}

function flag(flags: string, description: string): OptionSpec<boolean> {
  return {
    flags,
    description,
    parse(raw, name) {
      if (Array.isArray(raw)) return raw.some(Boolean);
      if (typeof raw !== 'boolean') throw usageError(`${name} takes no value`);
      return raw;
    },
  };
}

export const QUANTIZER_TYPES = ['rvq', 'fsq', 'lfq'] as const;
/** Transformers.js's dtypes (file suffixes in @mmtok/hub's onnxModelFile). */
const DTYPES = ['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'q4f16', 'bnb4'] as const;

export const OPTIONS = {
  output: text('-o, --output <path>', 'Output file, or folder (a trailing / or several inputs make it a folder)'),
  tokenizer: text(
    '-t, --tokenizer <name|manifest|hf:org/name[@rev]>',
    "Built-in tokenizer name, manifest.json path, or a pretrained model on the Hub (default: 'default')",
  ),
  backend: text('--backend <name>', 'Kernel backend: js, ort or webgpu (default: best available)'),
  format: choice('--format <ext>', 'Image format written into an output folder (default: png)', OUTPUT_IMAGE_FORMATS),
  audioTokenizer: text(
    '--audio-tokenizer <name|manifest>',
    "Video: audio tokenizer for the sound track, stored as an extra track (default: 'default')",
  ),
  // cac reads --no-audio as audio: false (and true when absent).
  audio: flag('--no-audio', 'Video: leave the sound track out of the token file'),
  title: text('--title <text>', 'Title of the HTML report'),
  name: text('--name <name>', 'Name recorded in the trained manifest (default: the output folder name)'),
  patchSize: integer('--patch-size <px>', 'Patch edge in pixels; one token position per patch', 1),
  dims: integer('--dims <n>', 'Latent dimensions kept by the learned linear transform (PCA)', 1),
  quantizer: choice('--quantizer <type>', 'Quantizer family', QUANTIZER_TYPES),
  levels: integerList(
    '--levels <n[,n…]>',
    'rvq/lfq: residual levels (one number); fsq: levels per dimension, e.g. 8,5,5,5',
  ),
  codebookSize: integer('--codebook-size <k>', 'Codes per level (rvq)', 2),
  seed: integer('--seed <n>', 'Random seed (training is deterministic for a given seed)', 0),
  hopLength: integer(
    '--hop-length <samples>',
    'Audio: samples per token frame (frames are 2× as long; default 160)',
    1,
  ),
  sampleRate: integer('--sample-rate <hz>', 'Audio: sample rate of the trained codec (default 16000)', 1000),
  encoder: text(
    '--encoder <folder|hf:org/name>',
    "Train a semantic tokenizer: k-means units over this encoder-only ONNX model's features (Transformers.js folder or hf:org/name[@rev]); it has no decoder",
  ),
  dtype: choice('--dtype <type>', 'Pretrained hf:… tokenizers: which ONNX weights to load (default fp32)', DTYPES),
  port: integer('--port <n>', 'Port on 127.0.0.1 to serve on (default: a free one)', 0),
  export: text('--export <dir>', 'Write a static copy of the dashboard into <dir> instead of serving it'),
  urlToken: flag('--url-token', 'Dashboard: serve under a random path that other users of this machine cannot guess'),
  maxPixels: integer(
    '--max-pixels <n>',
    'Images: refuse inputs larger than this many pixels, read from the header before decoding (default 50000000)',
    1,
  ),
  force: flag('--force', 'Encode: replace an existing output that is not a token file'),
  cached: flag('--cached', 'Tokenizers: list the Hub repos in the Hugging Face cache (revisions, sizes) instead'),
  layout: text('--layout <preset|layout.json>', 'Pack: vocabulary layout, a preset or a layout.json'),
  textTokenizer: text('--text-tokenizer <tokenizer.json>', 'Pack: Hugging Face tokenizer.json for captions'),
  textField: text('--text-field <name>', 'Pack: the caption member (txt, caption, text; default the first present)'),
  textPlace: choice('--text-place <where>', 'Pack: captions before or after the media (default before)', [
    'before',
    'after',
  ] as const),
  to: choice('--to <format>', 'Pack: training file format (default megatron)', ['megatron', 'flat', 'npy'] as const),
  shardSize: integer('--shard-size <n>', 'Dataset: items per shard (default 1000)', 1),
  workers: integer('--workers <n>', 'Dataset: shards encoded at once, one thread each (default: the cores)', 1),
  threads: integer(
    '--threads <n>',
    'Dataset: native threads per worker, onnxruntime and libvips (default: max(1, floor(cores / workers)))',
    1,
  ),
  batchSize: integer(
    '--batch-size <n>',
    'Dataset: consecutive same-size images per encoder run where the ONNX encoder allows it (default 8; 1 disables)',
    1,
  ),
  retries: integer('--retries <n>', 'Dataset: further attempts for a shard that failed as a whole (default 0)', 0),
  queue: text(
    '--queue <redis://host:port/db>',
    'Dataset: BullMQ queue on Redis (encode submits shards, worker takes them)',
  ),
  queueName: text('--queue-name <name>', "Dataset: BullMQ queue name (default 'mmtok-dataset')"),
  json: flag('--json', 'Print one JSON document on stdout (and nothing else there)'),
  quiet: flag('-q, --quiet', 'Print nothing but errors'),
} as const;

export type OptionKey = keyof typeof OPTIONS;
export type OptionValue<K extends OptionKey> = ReturnType<(typeof OPTIONS)[K]['parse']>;
export type ParsedOptions<K extends OptionKey> = { [P in K]?: OptionValue<P> };

/** Options every command takes. */
export const GLOBAL_OPTIONS = ['json', 'quiet'] as const satisfies readonly OptionKey[];

/** Typed values of the given options from cac's parsed object; absent ones stay undefined. */
export function readOptions<K extends OptionKey>(raw: Record<string, unknown>, keys: readonly K[]): ParsedOptions<K> {
  const out: ParsedOptions<K> = {};
  for (const key of keys) {
    const value = raw[key];
    if (value === undefined) continue;
    const spec = OPTIONS[key] as OptionSpec<OptionValue<K>>;
    out[key] = spec.parse(value, longFlag(spec));
  }
  return out;
}
