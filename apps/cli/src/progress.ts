/** What the programmatic API reports while it works; the CLI draws it, library users may log it. */
export interface ProgressEvent {
  /** e.g. 'encode', 'decode', 'read', 'train'. */
  phase: string;
  done: number;
  total: number;
  /** The item just finished, when there is one. */
  item?: string;
}

export type ProgressCallback = (event: ProgressEvent) => void;

interface BarStream {
  isTTY?: boolean;
  columns?: number;
  write(chunk: string): boolean;
}

/**
 * A one-line progress bar on a TTY stream, and nothing at all elsewhere: logs and pipes stay clean.
 * Redraws at most every 100 ms; `stop()` erases the line.
 */
export class ProgressBar {
  private lastDraw = 0;
  private drawn = false;
  readonly enabled: boolean;

  constructor(
    private readonly stream: BarStream,
    enabled: boolean,
  ) {
    this.enabled = enabled && stream.isTTY === true;
  }

  readonly update: ProgressCallback = (e) => {
    if (!this.enabled) return;
    const now = Date.now();
    if (e.done < e.total && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const width = Math.max(10, Math.min(30, (this.stream.columns ?? 80) - 50));
    const ratio = e.total > 0 ? Math.min(1, e.done / e.total) : 0;
    const filled = Math.round(ratio * width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const item = e.item ? ` ${e.item}` : '';
    const line = `${e.phase} ${bar} ${e.done}/${e.total}${item}`;
    const max = (this.stream.columns ?? 80) - 1;
    this.stream.write(`\r\x1b[2K${line.length > max ? `${line.slice(0, max - 1)}…` : line}`);
    this.drawn = true;
  };

  stop(): void {
    if (this.drawn) this.stream.write('\r\x1b[2K');
    this.drawn = false;
  }
}

/**
 * A trainer's onProgress as CLI progress events: 'read' counts inputs out of `inputs`; with
 * `fitDepth`, k-means progress becomes 'fit' over the residual levels; other stages are one step.
 */
export function trainerProgress(
  report: ProgressCallback | undefined,
  inputs: number,
  fitDepth?: number,
): ((info: { stage: string; detail?: string | { level: number; iteration: number } }) => void) | undefined {
  let read = 0;
  return (
    report &&
    ((info) => {
      if (info.stage === 'read')
        report({ phase: 'read', done: ++read, total: inputs, item: String(info.detail ?? '') });
      else if (fitDepth !== undefined && info.stage === 'quantizer' && info.detail && typeof info.detail === 'object') {
        report({
          phase: 'fit',
          done: info.detail.level,
          total: fitDepth,
          item: `level ${info.detail.level + 1}, iteration ${info.detail.iteration}`,
        });
      } else report({ phase: info.stage, done: 0, total: 1 });
    })
  );
}
