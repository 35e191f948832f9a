import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { StringTable } from '../btf/strings.js';
import type { DwarfSections } from '../dwarf/sections.js';
import type { UnitHeader } from '../dwarf/unit.js';
import { InputError } from '../errors.js';
import type { CuFragment } from './cu.js';
import { unpackFragment, type FragmentMessage } from './fragment.js';
import type { CuEncodeOptions } from './options.js';

/** What a worker starts with (workerData). Section arrays are backed by SharedArrayBuffers. */
export interface WorkerInit {
  sections: {
    info: Uint8Array | null;
    abbrev: Uint8Array;
    str?: Uint8Array;
    lineStr?: Uint8Array;
    strOffsets?: Uint8Array;
    addr?: Uint8Array;
    loc?: Uint8Array;
    loclists?: Uint8Array;
  };
  littleEndian: boolean;
  units: UnitHeader[];
  /** Read each unit from this file at offset + unit offset (a linked file's .debug_info). */
  stream: { path: string; offset: number } | null;
  options: CuEncodeOptions;
}

export type ToWorker = { type: 'batch'; id: number; first: number; end: number };
export type FromWorker =
  | { type: 'result'; id: number; first: number; frags: (FragmentMessage | null)[]; strings: Uint8Array; dies: number }
  | { type: 'error'; message: string; input: boolean; unit: number };

export interface ParallelInput {
  sec: DwarfSections;
  units: UnitHeader[];
  /** Where .debug_info lives in the file when it is streamed (else sec.info holds it). */
  stream: { path: string; offset: number } | null;
}

function shared(b: Uint8Array | undefined): Uint8Array | undefined {
  if (!b) return undefined;
  if (b.buffer instanceof SharedArrayBuffer) return b;
  const s = new Uint8Array(new SharedArrayBuffer(b.length));
  s.set(b);
  return s;
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

/** Consecutive runs of units of roughly equal total size: a few per worker, so none idles. */
export function batches(units: UnitHeader[], jobs: number): [number, number][] {
  const total = units.reduce((n, u) => n + (u.end - u.offset), 0);
  const target = Math.max(total / (jobs * 16), 1);
  const out: [number, number][] = [];
  let first = 0, size = 0;
  for (let i = 0; i < units.length; i++) {
    size += units[i].end - units[i].offset;
    if (size >= target || i === units.length - 1) {
      out.push([first, i + 1]);
      first = i + 1;
      size = 0;
    }
  }
  return out;
}

/**
 * Encodes every unit on `jobs` worker threads and hands the fragments to `consume` in unit order
 * (null for skipped units), so the result does not depend on which worker did what. On the first
 * error every worker is stopped and the promise rejects with it (an InputError naming the unit).
 */
export async function encodeParallel(
  input: ParallelInput,
  options: CuEncodeOptions,
  jobs: number,
  consume: (frag: CuFragment | null, index: number) => void,
  progress?: (done: number, total: number) => void,
): Promise<{ dies: number }> {
  const { sec, units } = input;
  const init: WorkerInit = {
    sections: {
      info: input.stream ? null : shared(sec.info)!,
      abbrev: shared(sec.abbrev)!,
      str: shared(sec.str),
      lineStr: shared(sec.lineStr),
      strOffsets: shared(sec.strOffsets),
      addr: shared(sec.addr),
      loc: shared(sec.loc),
      loclists: shared(sec.loclists),
    },
    littleEndian: sec.littleEndian,
    units,
    stream: input.stream,
    options,
  };
  const work = batches(units, jobs);
  const n = Math.max(1, Math.min(jobs, work.length));
  const url = workerUrl();
  const workers: Worker[] = [];
  const mirrors: StringTable[] = [];
  let dies = 0;
  return new Promise((resolve, reject) => {
    let failed = false;
    let nextBatch = 0;
    let nextUnit = 0;
    let done = 0;
    const ready = new Map<number, CuFragment | null>();
    const stop = (err: Error): void => {
      if (failed) return;
      failed = true;
      for (const w of workers) void w.terminate();
      reject(err);
    };
    const send = (w: Worker): void => {
      if (nextBatch >= work.length) return;
      const [first, end] = work[nextBatch];
      const msg: ToWorker = { type: 'batch', id: nextBatch++, first, end };
      w.postMessage(msg);
    };
    const drain = (): void => {
      while (ready.has(nextUnit)) {
        const f = ready.get(nextUnit)!;
        ready.delete(nextUnit);
        try {
          consume(f, nextUnit);
        } catch (e) {
          stop(e as Error);
          return;
        }
        nextUnit++;
      }
      progress?.(nextUnit, units.length);
      if (nextUnit === units.length && !failed) {
        failed = true; // settled
        for (const w of workers) void w.terminate();
        resolve({ dies });
      }
    };
    for (let i = 0; i < n; i++) {
      const w = new Worker(url, { workerData: init, resourceLimits: { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 192 } });
      const mirror = StringTable.fromBytes(new Uint8Array(0), 0);
      workers.push(w);
      mirrors.push(mirror);
      w.on('message', (m: FromWorker) => {
        if (failed) return;
        if (m.type === 'error') {
          stop(m.input ? new InputError(m.message) : new Error(m.message));
          return;
        }
        mirror.appendRaw(m.strings);
        dies += m.dies;
        m.frags.forEach((f, k) => ready.set(m.first + k, f ? unpackFragment(f, mirror) : null));
        done++;
        send(w);
        drain();
      });
      w.on('error', (e) => stop(e instanceof Error ? e : new Error(String(e))));
      w.on('exit', (code) => {
        if (!failed && code !== 0) stop(new Error(`a worker thread exited with status ${code}`));
      });
      // two batches in flight per worker, so it never waits for the main thread
      send(w);
      send(w);
    }
    void done;
  });
}
