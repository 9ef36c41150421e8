// Copies the built dashboard (apps/dashboard/dist) into app/, the folder the published package
// ships and `mmtok dashboard` serves when installed; turbo builds the dashboard first.
import { cpSync, existsSync, renameSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const from = fileURLToPath(new URL('../../dashboard/dist/', import.meta.url));
const to = fileURLToPath(new URL('../app', import.meta.url));
if (!existsSync(`${from}index.html`)) {
  console.error(`copy-dashboard-app: ${from}index.html is missing; build @mmtok/dashboard first`);
  process.exit(1);
}
// Whole folder or nothing: copy beside, then swap.
const tmp = `${to}.tmp`;
rmSync(tmp, { recursive: true, force: true });
cpSync(from, tmp, { recursive: true });
rmSync(to, { recursive: true, force: true });
renameSync(tmp, to);
