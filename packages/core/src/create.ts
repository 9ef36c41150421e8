import { defaultRegistry } from './backends/default.js';
import type { BackendRegistry } from './backends/registry.js';
import { type QuantizerConfig, validateConfig } from './config.js';
import { FiniteScalarQuantizer } from './quantizers/fsq.js';
import { GroupedQuantizer } from './quantizers/grouped.js';
import { LookupFreeQuantizer } from './quantizers/lfq.js';
import type { BaseQuantizer, QuantizerContext } from './quantizers/quantizer.js';
import { ResidualFiniteScalarQuantizer } from './quantizers/residual-fsq.js';
import { ResidualLookupFreeQuantizer } from './quantizers/residual-lfq.js';
import { ResidualVectorQuantizer } from './quantizers/rvq.js';
import { VectorQuantizer } from './quantizers/vq.js';

export interface CreateOptions {
  /** Default backend for this quantizer's calls; each call may override it. */
  backend?: string;
  /** Backend registry (defaults to the shared one). */
  registry?: BackendRegistry;
}

export type AnyQuantizer = BaseQuantizer<QuantizerConfig>;

function build(config: QuantizerConfig, context: QuantizerContext): AnyQuantizer {
  switch (config.type) {
    case 'vq':
      return new VectorQuantizer(config, context);
    case 'rvq':
      return new ResidualVectorQuantizer(config, context);
    case 'fsq':
      return new FiniteScalarQuantizer(config, context);
    case 'lfq':
      return new LookupFreeQuantizer(config, context);
    case 'residual-fsq':
      return new ResidualFiniteScalarQuantizer(config, context);
    case 'residual-lfq':
      return new ResidualLookupFreeQuantizer(config, context);
    case 'grouped':
      return new GroupedQuantizer(
        config,
        context,
        config.quantizers.map((c) => build(c, context)),
      );
  }
}

/** Validates a config and builds its quantizer. Async because a named backend is checked up front. */
export async function createQuantizer(config: QuantizerConfig, options: CreateOptions = {}): Promise<AnyQuantizer> {
  const valid = validateConfig(config);
  const registry = options.registry ?? defaultRegistry;
  if (options.backend) await registry.kernel('gather', options.backend);
  return build(valid, { registry, backend: options.backend });
}

/** A grouped config: `dim` split into `groups` equal parts, each quantized by `make(groupDim)`. */
export function groupedConfig(groups: number, make: (group: number) => QuantizerConfig): QuantizerConfig {
  return { type: 'grouped', quantizers: Array.from({ length: groups }, (_, g) => make(g)) };
}
