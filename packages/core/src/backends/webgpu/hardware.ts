/**
 * Whether a hardware WebGPU adapter could exist here, decided without starting Dawn.
 *
 * Dawn prints its adapter-limit warnings on stderr while it enumerates adapters, through a process-wide
 * logger the `webgpu` package gives no way to turn off. An unnamed call would skip a software adapter
 * anyway (slower than the CPU backends), so on a host where only a software one can exist the probe is
 * not worth starting Dawn for.
 */
import { inNode } from '../../in-node.js';

/** Device nodes through which Linux GPU drivers are reached: DRM render nodes, NVIDIA's, WSL2's D3D12. */
const GPU_NODES = [
  { dir: 'dri', name: /^renderD\d+$/ },
  { dir: '', name: /^nvidia\d+$/ },
  { dir: '', name: /^dxg$/ },
] as const;

/**
 * Why no hardware adapter can exist on this host, or undefined when one might (then only Dawn can
 * tell). Only Linux in Node answers: a browser's `navigator.gpu` probes silently, and other systems
 * have no device nodes to look at. `devRoot` is for tests.
 */
export async function noHardwareGpu(devRoot = '/dev'): Promise<string | undefined> {
  if ((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu) return undefined;
  if (!inNode() || process.platform !== 'linux') return undefined;
  const { readdir } = await import('node:fs/promises');
  const { join } = await import('node:path');
  for (const node of GPU_NODES) {
    const entries = await readdir(join(devRoot, node.dir)).catch(() => [] as string[]);
    if (entries.some((e) => node.name.test(e))) return undefined;
  }
  return `no GPU device node in ${devRoot} (dri/renderD*, nvidia*, dxg), so only a software adapter could exist here`;
}
