import { describe, expect, it } from 'vitest';
import { type DatasetProgress, ProgressTracker } from '../src/progress.js';

describe('ProgressTracker', () => {
  it('counts items across shards, a shard reported again replacing its count, skipped shards apart', () => {
    const seen: DatasetProgress[] = [];
    const t = new ProgressTracker(3, 30, (p) => seen.push(p));
    t.shardDone('shard-00000', 10, true);
    t.item('shard-00001', 3);
    t.item('shard-00002', 4);
    t.item('shard-00001', 7);
    expect(seen.at(-1)).toMatchObject({ shards: 3, shardsDone: 1, items: 30, itemsDone: 21 });
    t.shardDone('shard-00001', 10, false);
    t.shardDone('shard-00002', 10, false);
    expect(seen.at(-1)).toMatchObject({ shardsDone: 3, itemsDone: 30 });
    expect(seen.at(-1)?.itemsPerSecond).toBeGreaterThan(0);
  });
});
