/**
 * onnxruntime-node's first environment matched /proc/self/cmdline with a recursive regex and
 * overflowed the native stack once the command line passed ~70 kB (`mmtok encode` with ~1,000
 * paths): SIGSEGV. Both places mmtok opens onnxruntime sessions run here in a process whose command
 * line is 200 kB, with ORT_DISABLE_TELEMETRY removed from its environment.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const tsx = createRequire(import.meta.url).resolve('tsx');
const src = (path: string) => JSON.stringify(new URL(`../src/${path}`, import.meta.url).pathname);
// Two arguments: Linux caps one argument at 128 kB.
const padding = ['a'.repeat(100_000), 'b'.repeat(100_000)];

function runWithLongCommandLine(script: string): Promise<{ code: number | null; signal: string | null; out: string }> {
  const env = { ...process.env };
  delete env.ORT_DISABLE_TELEMETRY;
  // One line: ORT's regex stops at a newline, so a multi-line script would hide the padding from it.
  const oneLine = script.trim().replace(/\n\s*/g, ' ');
  const proc = spawn(process.execPath, ['--import', tsx, '--input-type=module', '-e', oneLine, ...padding], { env });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  return new Promise((resolve) => proc.on('close', (code, signal) => resolve({ code, signal, out })));
}

describe('onnxruntime under a 200 kB command line', () => {
  it('a tokenizer model session (createOnnxSession) opens, and a bad model is MMTOK_MODEL, not SIGSEGV', async () => {
    const r = await runWithLongCommandLine(`
      import { writeFileSync } from 'node:fs';
      const { createOnnxSession } = await import(${src('tokenizer/onnx-session.ts')});
      const file = '/tmp/mmtok-not-a-model-' + process.pid + '.onnx';
      writeFileSync(file, new Uint8Array([1, 2, 3]));
      try { await createOnnxSession(file, ['cpu']); } catch (e) { console.log('code', e.code); }
    `);
    expect({ signal: r.signal, code: r.code }).toEqual({ signal: null, code: 0 });
    expect(r.out).toContain('code MMTOK_MODEL');
  }, 60_000);

  it('the ort kernel backend builds and runs a graph', async () => {
    const r = await runWithLongCommandLine(`
      const { defaultRegistry } = await import(${src('backends/default.js')});
      const x = new Float32Array([0, 0, 5, 5]);
      const codebook = new Float32Array([4, 4, 1, 1]);
      const got = await defaultRegistry.run('nearestCode', { x, rows: 2, dim: 2, codebook, codebookSize: 2, metric: 'euclidean' }, 'ort');
      console.log('codes', Array.from(got).join(','));
      await defaultRegistry.dispose();
    `);
    expect({ signal: r.signal, code: r.code }).toEqual({ signal: null, code: 0 });
    expect(r.out).toContain('codes 1,0');
  }, 60_000);
});
