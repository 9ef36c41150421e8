/**
 * A dataset run as its own process, so tests can `kill -9` it: `child.ts encode <options JSON>`
 * runs encodeDataset and prints its result; `child.ts worker <options JSON>` runs a queue worker
 * printing one line per shard event until SIGTERM.
 */
import { encodeDataset, runDatasetWorker } from '../src/index.js';

const [command, json] = process.argv.slice(2);
const options = JSON.parse(json);
if (command === 'encode') {
  const result = await encodeDataset({
    ...options,
    onProgress: (p) => console.log(`progress ${p.itemsDone}/${p.items}`),
  });
  console.log(`result ${JSON.stringify(result)}`);
} else {
  const worker = await runDatasetWorker({ ...options, log: (line) => console.log(line) });
  console.log('ready');
  process.on('SIGTERM', () => {
    worker.close().then(() => process.exit(0));
  });
}
