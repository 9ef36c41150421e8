// The pool's thread entry when running from the TypeScript sources (tests, tsx scripts): tsx's
// loader is registered inside the thread, so the dynamic imports of the packages' sources resolve
// there too (`--import tsx` in a thread's execArgv leaves them to Node, which cannot load .ts).
import { register } from 'tsx/esm/api';

register();
const { default: runShard } = await import('./pool-worker.ts');
export default runShard;
