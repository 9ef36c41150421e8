import { expect, it } from 'vitest';
import { ttyProgress } from '../src/progress.js';

function fakeStream(isTTY: boolean) {
  const written: string[] = [];
  return { stream: { isTTY, write: (s: string) => written.push(s) > 0 } as unknown as NodeJS.WriteStream, written };
}

it('reports progress on a TTY only, and ends the line when the file is complete', () => {
  expect(ttyProgress(fakeStream(false).stream)).toBeUndefined();
  const { stream, written } = fakeStream(true);
  const report = ttyProgress(stream)!;
  report({ file: 'hf:a/b@main/onnx/model.onnx', bytes: 1_000_000, total: 3_000_000 });
  report({ file: 'hf:a/b@main/onnx/model.onnx', bytes: 3_000_000, total: 3_000_000 });
  expect(written[0]).toMatch(/^\rhf:a\/b@main\/onnx\/model\.onnx: 1\.0 \/ 3\.0 MB, [\d.]+ MB\/s$/);
  expect(written.at(-1)).toMatch(/: 3\.0 \/ 3\.0 MB, [\d.]+ MB\/s\n$/);
});
