/** Process entry: run the CLI, set the exit status, let pending output drain. */
import { runCli } from './cli.js';

// `mmtok … | head` closes the pipe early; that is not an error worth a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

process.exitCode = await runCli(process.argv.slice(2));
