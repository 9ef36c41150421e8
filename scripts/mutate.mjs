#!/usr/bin/env node
// `npm run mutate [-- target…]`: Stryker over each target of stryker.config.mjs in turn (all by
// default), reports under bench-results/mutation/<target>/. Not part of CI.
import { spawnSync } from 'node:child_process';
import { TARGETS } from '../stryker.config.mjs';

const targets = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(TARGETS);
for (const t of targets) {
  if (!TARGETS[t]) throw new Error(`unknown target '${t}' (targets: ${Object.keys(TARGETS).join(', ')})`);
  console.log(`\n== mutation testing: ${t} (${TARGETS[t].mutate.join(', ')})`);
  const r = spawnSync('npx', ['stryker', 'run', 'stryker.config.mjs'], {
    stdio: 'inherit',
    env: { ...process.env, MMTOK_MUTATE_TARGET: t },
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
