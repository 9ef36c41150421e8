/**
 * JSON Schema (draft 2020-12) of the diagnostics report, schemaVersion 1. docs/report-schema.json is
 * this object written out (a test keeps them equal); `parseReport` validates against it.
 */
export const REPORT_SCHEMA_VERSION = 1;

const num = { type: 'number' } as const;
const nonNeg = { type: 'number', minimum: 0 } as const;
const int = { type: 'integer', minimum: 0 } as const;
const metricValue = { type: ['number', 'null'] } as const;

export const reportJsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://mmtok.dev/schemas/report-schema.json',
  title: 'mmtok diagnostics report',
  description:
    'Codebook health and reconstruction metrics of a tokenizer on a data set. Metric values are null where the number is not finite (e.g. PSNR of identical inputs).',
  type: 'object',
  required: ['schemaVersion', 'tokenizer', 'data'],
  properties: {
    schemaVersion: { const: REPORT_SCHEMA_VERSION },
    generator: { type: 'string' },
    createdAt: { type: 'string' },
    tokenizer: {
      type: 'object',
      required: ['name'],
      properties: {
        name: { type: 'string' },
        version: { type: 'string' },
        hash: { type: 'string' },
        modality: { enum: ['image', 'audio', 'video', 'other'] },
        quantizer: {
          type: 'object',
          required: ['type', 'codebookSize', 'levels'],
          properties: { type: { type: 'string' }, codebookSize: int, levels: int },
        },
      },
    },
    data: {
      type: 'object',
      required: ['items'],
      properties: {
        name: { type: 'string' },
        description: { type: 'string' },
        items: int,
        tokens: int,
        durationSeconds: nonNeg,
        sampleRate: nonNeg,
        frameRate: nonNeg,
      },
    },
    rate: {
      type: 'object',
      required: ['bitsPerPosition', 'levels'],
      properties: {
        bitsPerPosition: nonNeg,
        levels: int,
        tokensPerSecond: nonNeg,
        bitsPerSecond: nonNeg,
        tokensPerImage: nonNeg,
        bitsPerImage: nonNeg,
        bitsPerPixel: nonNeg,
      },
    },
    codebook: { $ref: '#/$defs/codebookHealth' },
    verdict: {
      type: 'object',
      required: ['status', 'alarms'],
      properties: {
        status: { enum: ['healthy', 'warning', 'collapsed', 'insufficient-data'] },
        insufficient: { type: 'array', items: int },
        alarms: {
          type: 'array',
          items: {
            type: 'object',
            required: ['code', 'severity', 'level', 'value', 'threshold', 'message'],
            properties: {
              code: { enum: ['LOW_UTILIZATION', 'LOW_PERPLEXITY', 'STUCK_LEVEL', 'DEAD_CODE_GROWTH'] },
              severity: { enum: ['warning', 'critical'] },
              level: int,
              value: num,
              threshold: num,
              message: { type: 'string' },
            },
          },
        },
      },
    },
    metrics: {
      type: 'object',
      required: ['items', 'aggregate', 'higherIsBetter'],
      properties: {
        primary: { type: 'string' },
        higherIsBetter: { type: 'object', additionalProperties: { type: 'boolean' } },
        items: {
          type: 'array',
          items: {
            type: 'object',
            required: ['id', 'values'],
            properties: {
              id: { type: 'string' },
              values: { $ref: '#/$defs/values' },
              media: { type: 'array', items: { $ref: '#/$defs/media' } },
              video: { $ref: '#/$defs/videoSummary' },
            },
          },
        },
        aggregate: {
          type: 'object',
          additionalProperties: {
            type: 'object',
            required: ['count', 'mean', 'min', 'max', 'std'],
            properties: {
              count: int,
              nonFinite: int,
              mean: metricValue,
              min: metricValue,
              max: metricValue,
              std: metricValue,
            },
          },
        },
      },
    },
    history: {
      type: 'array',
      items: {
        type: 'object',
        required: ['step', 'values'],
        properties: { step: num, values: { $ref: '#/$defs/values' } },
      },
    },
  },
  $defs: {
    values: { type: 'object', additionalProperties: metricValue },
    media: {
      type: 'object',
      description:
        'A clip of the item, e.g. original and reconstruction audio: src is a base64 data: URI (rendered by the HTML report) or a path relative to the report (served by mmtok dashboard). frame: for a still of a video, the frame it shows.',
      required: ['label', 'mime', 'src'],
      properties: {
        label: { type: 'string' },
        mime: { type: 'string' },
        src: { type: 'string' },
        frame: int,
      },
    },
    frameSummary: {
      type: 'object',
      required: ['mean', 'min', 'max', 'std'],
      properties: { mean: metricValue, min: metricValue, max: metricValue, std: metricValue },
    },
    videoSummary: {
      type: 'object',
      description:
        'Per-frame quality of a video item: PSNR/SSIM summaries over frames, temporal flicker (null for one frame) and the worst frames, lowest quality first.',
      required: ['frames', 'psnr', 'flicker', 'worstFrames'],
      properties: {
        frames: int,
        fps: nonNeg,
        psnr: { $ref: '#/$defs/frameSummary' },
        ssim: { $ref: '#/$defs/frameSummary' },
        flicker: metricValue,
        worstFrames: {
          type: 'array',
          items: {
            type: 'object',
            required: ['frame', 'psnr'],
            properties: { frame: int, psnr: metricValue, ssim: metricValue },
          },
        },
      },
    },
    codebookHealth: {
      type: 'object',
      required: ['codebookSize', 'levels', 'rows', 'perLevel'],
      properties: {
        codebookSize: int,
        levels: int,
        rows: int,
        structure: { type: 'object', required: ['type'], properties: { type: { enum: ['fsq', 'lfq'] } } },
        joint: {
          type: 'object',
          required: ['distinct', 'total', 'entropyBits', 'perplexity', 'normalizedEntropy'],
          properties: { distinct: int, total: int, entropyBits: nonNeg, perplexity: nonNeg, normalizedEntropy: nonNeg },
        },
        perLevel: { type: 'array', items: { $ref: '#/$defs/levelStats' } },
      },
    },
    levelStats: {
      type: 'object',
      required: [
        'level',
        'codebookSize',
        'total',
        'used',
        'utilization',
        'entropyBits',
        'perplexity',
        'normalizedEntropy',
        'dead',
        'topKShare',
        'gini',
      ],
      properties: {
        level: int,
        codebookSize: int,
        total: int,
        used: int,
        utilization: nonNeg,
        entropyBits: nonNeg,
        perplexity: nonNeg,
        normalizedEntropy: nonNeg,
        gini: num,
        dead: {
          type: 'object',
          required: ['threshold', 'count', 'ids', 'idsTruncated'],
          properties: {
            threshold: { type: 'object' },
            count: int,
            ids: { type: 'array', items: int },
            idsTruncated: { type: 'boolean' },
          },
        },
        topKShare: {
          type: 'array',
          items: { type: 'object', required: ['k', 'share'], properties: { k: int, share: nonNeg } },
        },
        counts: { type: 'array', items: nonNeg },
        fsq: { type: 'array', items: { type: 'object' } },
        lfq: { type: 'object' },
      },
    },
  },
} as const;
