import { createRequire } from 'node:module';

/** The CLI's own version, read from its package.json (works from src/ and from dist/). */
export const VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
