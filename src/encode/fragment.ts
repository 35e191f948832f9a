import { BtfTable } from '../btf/table.js';
import type { StringTable } from '../btf/strings.js';
import { relocationLists } from './assemble.js';
import type { CuFragment } from './cu.js';

/** A CuFragment as plain data for postMessage: its tables as exact-size typed arrays. */
export interface FragmentMessage extends Omit<CuFragment, 'types' | 'protos'> {
  types: TableParts;
  protos: TableParts;
}

interface TableParts {
  words: Uint32Array;
  offs: Uint32Array;
}

function parts(t: BtfTable): TableParts {
  return { words: t.words.slice(0, t.nWords), offs: t.offs.slice(0, t.count) };
}

/** Packs a fragment for sending; `transfer` receives the buffers to move rather than copy. */
export function packFragment(f: CuFragment, transfer: ArrayBuffer[]): FragmentMessage {
  const types = parts(f.types), protos = parts(f.protos);
  const reloc = relocationLists(f.types);
  transfer.push(types.words.buffer as ArrayBuffer, types.offs.buffer as ArrayBuffer, protos.words.buffer as ArrayBuffer,
    protos.offs.buffer as ArrayBuffer, reloc.refs.buffer as ArrayBuffer, reloc.strs.buffer as ArrayBuffer);
  return { ...f, types, protos, reloc };
}

/** Rebuilds a fragment whose string offsets refer to `strings` (the sender's table, mirrored). */
export function unpackFragment(m: FragmentMessage, strings: StringTable): CuFragment {
  const table = (p: TableParts): BtfTable => BtfTable.fromParts(strings, p.words, p.words.length, p.offs, p.offs.length);
  return { ...m, types: table(m.types), protos: table(m.protos) };
}
