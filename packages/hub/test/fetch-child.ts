/** Run as a real process by the tests: fetch files of a repo, print the results as JSON. */
import { hubFile } from '../src/index.js';

const [endpoint, cacheDir, spec, ...files] = process.argv.slice(2);
const results = [];
for (const file of files) results.push(await hubFile(spec, file, { endpoint, cacheDir, offline: false }));
process.stdout.write(`${JSON.stringify(results)}\n`);
