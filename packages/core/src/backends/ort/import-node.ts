/**
 * Imports onnxruntime-node, the one place mmtok does. Creating the first ORT environment collects
 * platform telemetry on Linux by matching regular expressions against /proc/self/cmdline; libstdc++'s
 * regex recurses once per character, so a long command line (`mmtok encode` given ~1,000 paths,
 * about 70 kB) overflows the native stack and the process dies with SIGSEGV. ORT skips that
 * collection when ORT_DISABLE_TELEMETRY is set, which must happen before the environment exists;
 * a value the user set is kept.
 */
export async function importOnnxRuntimeNode<T>(): Promise<T> {
  process.env.ORT_DISABLE_TELEMETRY ??= '1';
  // A variable specifier: bundlers and type-checkers need not find the optional native addon.
  const name = 'onnxruntime-node';
  return (await import(/* @vite-ignore */ name)) as T;
}
