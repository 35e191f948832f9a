// Worker entry: waits for its WorkerInit message, then claims batches of compile units in turn
// with the other threads and posts their fragments back until none is left. Everything it needs
// arrives in that message (shared sections, unit headers, batches, options); the encoding itself
// is src/encode/cu.ts, exactly as on the main thread.
import fs from 'node:fs';
import { parentPort, receiveMessageOnPort } from 'node:worker_threads';
import { StringTable } from '../src/btf/strings.js';
import { DieReader } from '../src/dwarf/die.js';
import { CuEncoder } from '../src/encode/cu.js';
import { packFragment, type FragmentMessage } from '../src/encode/fragment.js';
import { claimBatch, stopClaims, type WorkerInit, type FromWorker } from '../src/encode/parallel.js';
import { readFd } from '../src/elf/reader.js';
import { InputError, hex } from '../src/errors.js';

function run(init: WorkerInit): void {
  const fd = init.stream ? fs.openSync(init.stream.path, 'r') : -1;
  const readAt = (offset: number, n: number, into: Uint8Array): number => readFd(fd, offset, n, into);
  const reader = new DieReader(init.sections);
  const strings = new StringTable(0, 1 << 20);
  const enc = new CuEncoder(reader, init.options, strings, true, fd >= 0 ? readAt : undefined);
  let buf = new Uint8Array(1 << 20);
  let sent = 0;

  const window = (index: number): Uint8Array | undefined => {
    if (fd < 0) return undefined;
    const u = init.units[index];
    const n = u.end - u.offset;
    if (buf.length < n) buf = new Uint8Array(Math.max(n, buf.length * 2));
    const view = buf.subarray(0, n);
    if (readAt(init.stream!.offset + u.offset, n, view) < n) {
      throw new InputError(`unexpected end of file in the unit at ${hex(u.offset)}`);
    }
    return view;
  };

  const encodeBatch = (batch: number): void => {
    const [first, end] = init.batches[batch];
    let unit = first;
    try {
      const frags: (FragmentMessage | null)[] = [];
      const transfer: ArrayBuffer[] = [];
      for (; unit < end; unit++) {
        const f = enc.encode(init.units[unit], window(unit));
        frags.push(f ? packFragment(f, transfer) : null);
      }
      const fresh = strings.bytes.slice(sent, strings.len);
      sent = strings.len;
      transfer.push(fresh.buffer);
      const msg: FromWorker = { type: 'result', batch, frags, strings: fresh };
      parentPort!.postMessage(msg, transfer);
    } catch (e) {
      stopClaims(init.claims);
      const u = init.units[unit];
      const input = e instanceof InputError;
      const text = (e as Error).message ?? String(e);
      const msg: FromWorker = {
        type: 'error', input, unit,
        message: text.startsWith('CU ') ? text : `CU at ${hex(u?.offset ?? 0)}${enc.cuLabel ? ` ('${enc.cuLabel}')` : ''}: ${text}`,
      };
      parentPort!.postMessage(msg);
      throw e;
    }
  };

  try {
    const n = init.batches.length;
    for (;;) {
      const names = receiveMessageOnPort(init.later);
      if (names) enc.setFunctionNames(names.message as string[] | null);
      const b = claimBatch(init.claims, n);
      if (b < 0) break;
      encodeBatch(b);
    }
    const done: FromWorker = { type: 'done' };
    parentPort!.postMessage(done);
  } catch {
    // reported above; wait to be terminated
  }
}

parentPort!.once('message', (init: WorkerInit) => run(init));
