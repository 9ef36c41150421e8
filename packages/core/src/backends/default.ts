import { jsProvider } from './js/index.js';
import { ortProvider } from './ort/index.js';
import { BackendRegistry } from './registry.js';
import { wasmProvider } from './wasm/index.js';
import { webgpuProvider } from './webgpu/index.js';

/** The registry quantizers use unless given another: every backend this build knows, loaded on demand. */
export const defaultRegistry = new BackendRegistry()
  .register(jsProvider)
  .register(ortProvider)
  .register(wasmProvider)
  .register(webgpuProvider);
