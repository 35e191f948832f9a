import os from 'node:os';
import cliProgress from 'cli-progress';
import { UsageError } from './run.js';

/** `-j` / `-j N`: no value or absent means the available CPUs. */
export function parseJobs(v: string | undefined): number {
  if (v === undefined || v === '') return os.availableParallelism();
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 1024) throw new UsageError(`-j takes a number of threads from 1 to 1024, not '${v}'`);
  return n;
}

/** A progress bar on stderr when it is a terminal (and not --quiet); null otherwise. */
export function progressBar(quiet: boolean): { update: (done: number, total: number) => void; stop: () => void } | null {
  if (quiet || !process.stderr.isTTY) return null;
  const bar = new cliProgress.SingleBar({
    stream: process.stderr,
    format: 'encoding |{bar}| {value}/{total} CUs | {rate} CUs/s | {eta}s',
    hideCursor: true,
    clearOnComplete: true,
    etaBuffer: 50,
  }, cliProgress.Presets.shades_classic);
  let started = false;
  const t0 = performance.now();
  return {
    update: (done, total) => {
      if (!started) { bar.start(total, 0, { rate: 0 }); started = true; }
      bar.update(done, { rate: Math.round(done / ((performance.now() - t0) / 1000 + 1e-9)) });
    },
    stop: () => { if (started) bar.stop(); },
  };
}
