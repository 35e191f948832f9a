import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { StringTable } from '../btf/strings.js';
import type { DwarfSections } from '../dwarf/sections.js';
import type { UnitHeader } from '../dwarf/unit.js';
import { InputError } from '../errors.js';
import type { CuFragment } from './cu.js';
import { copyFragment, unpackFragment, type FragmentMessage } from './fragment.js';
import type { CuEncodeOptions } from './options.js';

/** What a worker is sent to start (its first message). Section arrays are backed by SharedArrayBuffers. */
export interface WorkerInit {
  /** The sections (.debug_info empty when `stream` says where to read units from). */
  sections: DwarfSections;
  units: UnitHeader[];
  /** Read each unit from this file at offset + unit offset (a linked file's .debug_info). */
  stream: { path: string; offset: number } | null;
  options: CuEncodeOptions;
  /** The batches, [first unit, end unit) each, in unit order. */
  batches: [number, number][];
  /** Shared claim words (see claimBatch). */
  claims: Int32Array;
  /**
   * Where CuEncodeOptions.funcNames arrive when they were not known yet at the start (the worker
   * reads it before each batch it claims; until then it encodes every function, which changes
   * nothing but the work: see CuEncodeOptions.funcNames).
   */
  later: MessagePort;
}

// words of the shared claims array: the next batch nobody has taken, and 1 once the encode has
// failed
const NEXT = 0, STOP = 1;

function newClaims(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(8));
}

/** Takes the next batch (of `n`); -1 when none is left or the encode has been stopped. */
export function claimBatch(claims: Int32Array, n: number): number {
  if (Atomics.load(claims, STOP) !== 0) return -1;
  const b = Atomics.add(claims, NEXT, 1);
  return b < n ? b : -1;
}

/** Tells every thread to claim nothing more. */
export function stopClaims(claims: Int32Array): void {
  Atomics.store(claims, STOP, 1);
}

export type FromWorker =
  | { type: 'result'; batch: number; frags: (FragmentMessage | null)[]; strings: Uint8Array }
  | { type: 'done' }
  | { type: 'error'; message: string; input: boolean; unit: number };

export interface ParallelInput {
  sec: DwarfSections;
  units: UnitHeader[];
  /** Where .debug_info lives in the file when it is streamed (else sec.info holds it). */
  stream: { path: string; offset: number } | null;
}

/** Encoding on the calling thread, for encodeParallel. */
export interface LocalEncoder {
  /** Encodes unit `index`; the fragment is valid until the next call. Errors name the unit. */
  encode(index: number): CuFragment | null;
}

function shared(b: Uint8Array): Uint8Array {
  if (b.buffer instanceof SharedArrayBuffer) return b;
  const s = new Uint8Array(new SharedArrayBuffer(b.length));
  s.set(b);
  return s;
}

/** `sec` with every section in shared memory (copied unless it is already); no .debug_info unless `withInfo`. */
function sharedSections(sec: DwarfSections, withInfo: boolean): DwarfSections {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(sec)) {
    if (k === 'info' && !withInfo) out[k] = new Uint8Array(0);
    else out[k] = v instanceof Uint8Array ? shared(v) : v;
  }
  return out as unknown as DwarfSections;
}

function workerUrl(): URL {
  // dist/src/encode/parallel.js -> dist/workers/encode-worker.js; from the TypeScript sources
  // (tests), the compiled worker in dist/ is used.
  const here = new URL('../../workers/encode-worker.js', import.meta.url);
  if (fs.existsSync(fileURLToPath(here))) return here;
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const built = path.join(root, 'dist/workers/encode-worker.js');
  if (!fs.existsSync(built)) throw new Error('the worker is not built: run `npm run build`');
  return new URL(`file://${built}`);
}

/**
 * Consecutive runs of units, a few per thread so that none idles: runs of 1/16 of a thread's share
 * (in bytes of .debug_info), shrinking over the last quarter of the work (each a quarter of what
 * is left per thread, down to 1/128 of a share), so that the threads run out of work together
 * and the last fragments to merge after the encoding are few.
 */
export function batches(units: UnitHeader[], jobs: number): [number, number][] {
  const total = units.reduce((n, u) => n + (u.end - u.offset), 0);
  const bulk = Math.max(total / (jobs * 16), 1);
  const least = Math.max(total / (jobs * 128), 1);
  const out: [number, number][] = [];
  let first = 0, size = 0, left = total;
  let target = bulk;
  for (let i = 0; i < units.length; i++) {
    size += units[i].end - units[i].offset;
    if (size >= target || i === units.length - 1) {
      out.push([first, i + 1]);
      first = i + 1;
      left -= size;
      size = 0;
      target = Math.min(bulk, Math.max(left / (jobs * 4), least));
    }
  }
  return out;
}

/** Who encoded the batches of an encodeParallel. */
export interface ParallelStats {
  batches: number;
  /** Encoded on the calling thread, of which `held`: kept until the batches before them were in. */
  local: number;
  held: number;
  /** Encoded by workers. */
  workers: number;
}

/** Lets the event loop run once (worker messages are delivered), then resumes. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Worker threads started before the input is read, so that they boot (a fresh isolate loading the
 * encoder: ~75 ms) while this thread reads the sections and the symbol table. Each waits for its
 * WorkerInit message.
 */
export class WorkerPool {
  readonly workers: Worker[] = [];

  constructor(count: number) {
    const url = workerUrl();
    for (let i = 0; i < count; i++) {
      // a worker keeps little (its string table, one unit's scratch); a 16 MB young generation
      // scavenges less often than 8 MB did (in paired vmlinux runs about 0.5 s less CPU in all)
      // and costs no more peak memory there
      this.workers.push(new Worker(url, {
        resourceLimits: { maxYoungGenerationSizeMb: 16, maxOldGenerationSizeMb: 192 },
        // the caller's node options (V8 flags too), unless it was run as `node --input-type=module
        // -e ...`: that option would make the worker fail to start (and a list given here may not
        // name V8 flags, so the worker then gets none)
        execArgv: process.execArgv.some((a) => a.startsWith('--input-type')) ? [] : undefined,
      }));
    }
  }

  /** Stops every worker (also those never given work). */
  async terminate(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/**
 * Encodes every unit with `jobs` threads: this one and `jobs - 1` workers, which all claim
 * batches of consecutive units in order from a shared counter. Fragments are handed to `consume`
 * in unit order (none for skipped units), so the result does not depend on who did what. This
 * thread encodes a batch it claims straight into `consume` when every earlier batch has been
 * consumed (the common case), else it keeps the batch's fragments (copied) until their turn; it
 * consumes the workers' batches between its own. On the first error everything stops and the
 * promise rejects with it (an InputError naming the unit). `pool`: workers started beforehand
 * (else started here); all of them are stopped when this returns.
 */
export async function encodeParallel(
  input: ParallelInput,
  options: CuEncodeOptions,
  jobs: number,
  local: LocalEncoder,
  consume: (frag: CuFragment, index: number) => void,
  progress?: (done: number, total: number) => void,
  pool: WorkerPool = new WorkerPool(jobs - 1),
): Promise<ParallelStats> {
  return ParallelEncode.start(input, options, jobs, pool).run(local, consume, progress);
}

/**
 * encodeParallel in two steps, so that the workers can begin while this thread still prepares
 * what only it needs (the assembler, dedup): start() hands them their work, run() takes part
 * and merges. Between the two, nothing may yield to the event loop; abort() stops the workers if
 * run() is never called.
 */
export class ParallelEncode {
  private readonly stats: ParallelStats = { batches: 0, local: 0, held: 0, workers: 0 };
  private readonly work: [number, number][];
  private readonly claims = newClaims();
  private readonly results: ((CuFragment | null)[] | undefined)[];
  /** First batch not consumed yet. */
  private next = 0;
  private failure: Error | null = null;
  private wake: (() => void) | null = null;
  private workers: Worker[];
  /** This side of each worker's WorkerInit.later. */
  private later: MessagePort[] = [];

  private constructor(private readonly units: UnitHeader[], jobs: number, private readonly pool: WorkerPool) {
    this.work = batches(units, jobs);
    this.stats.batches = this.work.length;
    this.results = new Array(this.work.length);
    const n = Math.max(0, Math.min(jobs - 1, this.work.length - 1, pool.workers.length));
    this.workers = pool.workers.slice(0, n);
    // more workers than batches to share: the rest go now
    for (const w of pool.workers.slice(n)) void w.terminate();
  }

  /**
   * Hands the workers their work; throws (the workers stopped) when it cannot be sent. With
   * `options.funcNames` still to come, setFunctionNames() must follow before run().
   */
  static start(input: ParallelInput, options: CuEncodeOptions, jobs: number, pool: WorkerPool): ParallelEncode {
    const job = new ParallelEncode(input.units, jobs, pool);
    try {
      const sections = sharedSections(input.sec, !input.stream);
      job.post((later) => ({
        sections,
        units: input.units,
        stream: input.stream,
        options,
        batches: job.work,
        claims: job.claims,
        later,
      }));
    } catch (e) {
      void job.abort();
      throw e;
    }
    return job;
  }

  /** Tells the workers CuEncodeOptions.funcNames (when start() was given none yet). */
  setFunctionNames(names: string[] | null): void {
    for (const port of this.later) port.postMessage(names);
  }

  private fail(e: Error): void {
    this.failure ??= e;
    stopClaims(this.claims);
    this.wake?.();
  }

  private post(init: (later: MessagePort) => WorkerInit): void {
    for (const w of this.workers) {
      const mirror = StringTable.fromBytes(new Uint8Array(0), 0);
      let finished = false;
      w.on('message', (m: FromWorker) => {
        if (this.failure) return;
        if (m.type === 'error') {
          this.fail(m.input ? new InputError(m.message) : new Error(m.message));
          return;
        }
        if (m.type === 'result') {
          this.stats.workers++;
          mirror.appendRaw(m.strings);
          this.results[m.batch] = m.frags.map((f) => (f ? unpackFragment(f, mirror) : null));
        } else if (m.type === 'done') {
          // nothing left to claim (its results came before this): free its memory now
          finished = true;
          void w.terminate();
        }
        this.wake?.();
      });
      w.on('error', (e) => this.fail(e instanceof Error ? e : new Error(String(e))));
      w.on('exit', (code) => {
        if (code !== 0 && !finished && this.next < this.work.length) {
          this.fail(new Error(`a worker thread exited with status ${code}`));
        }
      });
    }
    for (const w of this.workers) {
      const { port1, port2 } = new MessageChannel();
      this.later.push(port1);
      w.postMessage(init(port2), [port2]);
    }
  }

  /** Stops every worker (when run() will not be called). */
  async abort(): Promise<void> {
    stopClaims(this.claims);
    for (const port of this.later) port.close();
    await this.pool.terminate();
  }

  /** This thread's part, until every unit has been consumed; see encodeParallel. */
  async run(
    local: LocalEncoder,
    consume: (frag: CuFragment, index: number) => void,
    progress?: (done: number, total: number) => void,
  ): Promise<ParallelStats> {
    const { work, units, claims, results, stats } = this;
    const consumeReady = (): void => {
      while (this.next < work.length && results[this.next] && !this.failure) {
        const frags = results[this.next]!;
        results[this.next] = undefined;
        const first = work[this.next][0];
        try {
          frags.forEach((f, k) => { if (f) consume(f, first + k); });
        } catch (e) {
          this.fail(e as Error);
          return;
        }
        this.next++;
        progress?.(work[this.next - 1][1], units.length);
      }
    };
    const n = this.workers.length;
    try {
      // this thread's share: claim, encode, consume what is ready; in between, let messages in
      for (;;) {
        if (n > 0) await turn();
        if (this.failure) break;
        consumeReady();
        const b = claimBatch(claims, work.length);
        if (b < 0 || this.failure) break;
        const [first, end] = work[b];
        stats.local++;
        if (b === this.next) {
          for (let u = first; u < end; u++) {
            const f = local.encode(u);
            if (f) consume(f, u);
          }
          this.next++;
          progress?.(end, units.length);
        } else {
          // ahead of the merge: between units, merge what the workers have delivered meanwhile
          // (merging is this thread's first duty; it also leaves the workers more batches)
          stats.held++;
          const held: (CuFragment | null)[] = [];
          for (let u = first; u < end && !this.failure; u++) {
            if (u > first) {
              await turn();
              consumeReady();
            }
            const f = local.encode(u);
            held.push(f ? copyFragment(f) : null);
          }
          results[b] = held;
        }
      }
      // the workers' last batches
      while (this.next < work.length && !this.failure) {
        consumeReady();
        if (this.next < work.length && !this.failure) await new Promise<void>((resolve) => { this.wake = resolve; });
        this.wake = null;
      }
    } catch (e) {
      this.fail(e as Error);
    } finally {
      await this.abort();
    }
    if (this.failure) throw this.failure;
    return stats;
  }
}
