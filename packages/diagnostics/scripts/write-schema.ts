// Writes docs/report-schema.json from the schema in src (run after changing report-schema.ts).
import { writeFileSync } from 'node:fs';
import { reportJsonSchema } from '../src/report-schema.js';

const target = new URL('../../../docs/report-schema.json', import.meta.url);
writeFileSync(target, `${JSON.stringify(reportJsonSchema, null, 2)}\n`);
console.log(`wrote ${target.pathname}`);
