/** Whether this code runs under Node (not a browser): the backends pick their runtime and probes by it. */
export function inNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}
