import type { OrtRuntime } from './runtime.js';
import type { SessionCache } from './sessions.js';

/** What every ort kernel needs: the loaded runtime and the session cache. */
export interface OrtContext {
  readonly runtime: OrtRuntime;
  readonly sessions: SessionCache;
}
