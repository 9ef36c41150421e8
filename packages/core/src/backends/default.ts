import { jsProvider } from './js/index.js';
import { BackendRegistry } from './registry.js';

/** The registry quantizers use unless given another: every backend this build knows, loaded on demand. */
export const defaultRegistry = new BackendRegistry().register(jsProvider);
