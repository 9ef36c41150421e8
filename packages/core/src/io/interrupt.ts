/**
 * What an interrupted run must undo. SIGINT or SIGTERM would otherwise end the process at once,
 * leaving temp files (`.name.*.tmp`) behind and ffmpeg children running without their parent.
 * Work in progress registers its children and temp paths here; on a signal they are killed and
 * removed, then the signal takes its usual course (the process ends by it) unless the program
 * has its own handler for it. Handlers are installed only while something is registered.
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
const children = new Set<ChildProcess>();
const cleanups = new Set<() => void>();
/** How long to wait for killed children to exit before removing the files they were writing. */
const CHILD_EXIT_WAIT_MS = 2000;
/** Set by the first signal: work still running (e.g. the next input of a batch) starts no more children. */
let interrupted = false;

async function onSignal(signal: NodeJS.Signals): Promise<void> {
  interrupted = true;
  uninstall();
  // Children first: a child still writing into a temp folder would refill it while it is removed.
  const exits = [...children].map((c) =>
    c.exitCode !== null || c.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((ok) => c.once('exit', () => ok())),
  );
  for (const c of children) c.kill('SIGKILL');
  children.clear();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(exits), new Promise((ok) => (timer = setTimeout(ok, CHILD_EXIT_WAIT_MS)))]);
  clearTimeout(timer);
  for (const cleanup of [...cleanups]) {
    try {
      cleanup();
    } catch {
      // Best effort: one failure must not keep the rest from running.
    }
  }
  cleanups.clear();
  // Nobody else handles it: end the process by the signal, as it would have without us.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function handler(signal: NodeJS.Signals): void {
  void onSignal(signal);
}

function install(): void {
  if (interrupted) return;
  for (const s of SIGNALS) if (!process.listeners(s).includes(handler)) process.on(s, handler);
}

function uninstall(): void {
  for (const s of SIGNALS) process.off(s, handler);
}

function settle(): void {
  if (children.size === 0 && cleanups.size === 0) uninstall();
}

/** Runs `cleanup` (synchronously) if the process is interrupted; the returned function unregisters it. */
export function onInterrupt(cleanup: () => void): () => void {
  cleanups.add(cleanup);
  install();
  return () => {
    cleanups.delete(cleanup);
    settle();
  };
}

/** Kills `child` if the process is interrupted while it runs (before any onInterrupt cleanup runs). */
export function killOnInterrupt(child: ChildProcess): void {
  if (interrupted) {
    child.kill('SIGKILL');
    return;
  }
  children.add(child);
  install();
  const off = () => {
    children.delete(child);
    settle();
  };
  child.once('exit', off);
  child.once('error', off);
}

/** Removes `path` (a temp file or folder) if the process is interrupted; call the result once it is gone or renamed. */
export function removeOnInterrupt(path: string): () => void {
  return onInterrupt(() => rmSync(path, { recursive: true, force: true }));
}
