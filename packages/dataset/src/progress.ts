/** Progress of a dataset run: items done (all shards), rate over this run, and the time left. */
export interface DatasetProgress {
  shards: number;
  shardsDone: number;
  items: number;
  itemsDone: number;
  /** Items per second encoded by this run (skipped shards excluded). */
  itemsPerSecond: number;
  /** Seconds left at the current rate; undefined before the first item. */
  etaSeconds?: number;
}

export type DatasetProgressCallback = (p: DatasetProgress) => void;

/** Counts items per shard and reports totals; shards already done count without moving the rate. */
export class ProgressTracker {
  private readonly perShard = new Map<string, number>();
  private encoded = 0;
  private skippedItems = 0;
  private shardsDone = 0;
  private readonly started = performance.now();

  constructor(
    private readonly shards: number,
    private readonly items: number,
    private readonly report?: DatasetProgressCallback,
  ) {}

  item(shard: string, done: number): void {
    this.count(shard, done);
    this.emit();
  }

  shardDone(shard: string, items: number, skipped: boolean): void {
    if (skipped) this.skippedItems += items;
    else this.count(shard, items);
    this.shardsDone++;
    this.emit();
  }

  /** Keeps the running total, so a report per item costs O(1) rather than a pass over every shard. */
  private count(shard: string, done: number): void {
    this.encoded += done - (this.perShard.get(shard) ?? 0);
    this.perShard.set(shard, done);
  }

  private emit(): void {
    if (!this.report) return;
    const encoded = this.encoded;
    const seconds = (performance.now() - this.started) / 1000;
    const rate = seconds > 0 ? encoded / seconds : 0;
    const itemsDone = Math.min(this.items, encoded + this.skippedItems);
    this.report({
      shards: this.shards,
      shardsDone: this.shardsDone,
      items: this.items,
      itemsDone,
      itemsPerSecond: rate,
      ...(rate > 0 ? { etaSeconds: (this.items - itemsDone) / rate } : {}),
    });
  }
}
