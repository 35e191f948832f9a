import { InputError, printable } from '../errors.js';

/** A bad command line: reported like an input error, with exit status 2. */
export class UsageError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface Out {
  write(s: string): void;
  /** Writes a binary string (one byte per character, as dumpBtf makes). */
  writeBinary(s: string): void;
  err(line: string): void;
}

/**
 * Runs a command-line program: input errors become one line on stderr and exit status 1
 * (2 for usage errors); anything else is reported as an internal error, still on one line
 * unless DWARF2BTF_DEBUG is set.
 */
export function runCli(prog: string, main: (argv: string[], out: Out) => Promise<void>, usageStatus = 2): void {
  const out: Out = {
    write: (s) => { process.stdout.write(s); },
    writeBinary: (s) => { process.stdout.write(s, 'latin1'); },
    err: (l) => { process.stderr.write(l + '\n'); },
  };
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });
  main(process.argv, out).catch((e: unknown) => {
    if (e instanceof InputError) {
      out.err(`${prog}: ${printable(e.message)}`);
      process.exitCode = e instanceof UsageError ? usageStatus : 1;
      return;
    }
    if (process.env.DWARF2BTF_DEBUG) console.error(e);
    const msg = e instanceof Error ? e.message : String(e);
    out.err(`${prog}: internal error: ${printable(msg.split('\n')[0])}`);
    process.exitCode = 70;
  });
}
