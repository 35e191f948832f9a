/**
 * Text dump of a BTF type table in the format of `bpftool btf dump file X` (raw format),
 * as printed by bpftool 7.1: one `[id] KIND 'name' ...` line per type, members and values
 * on following tab-indented lines. For split BTF only the split's own types are printed,
 * numbered from its first id, as `bpftool -B base btf dump file split` does.
 *
 * The text is a binary string: names are their bytes, one character each, not decoded (bpftool
 * prints a name's bytes as they are, UTF-8 or not), so it is written out as latin1.
 */
import { Kind, KIND_NAMES } from './kinds.js';
import type { BtfTable } from './table.js';

const INT_ENCODINGS: Record<number, string> = { 0: '(none)', 1: 'SIGNED', 2: 'CHAR', 4: 'BOOL' };
const VAR_LINKAGES = ['static', 'global', 'extern'];
const FUNC_LINKAGES = ['static', 'global', 'extern'];

/** The whole table (the split part only for split BTF), one type after another. */
export function dumpBtf(t: BtfTable): string {
  const out: string[] = [];
  for (let id = t.startId; id < t.endId; id++) out.push(dumpBtfId(t, id), '\n');
  return out.join('');
}

/** A string as bpftool prints names: '(anon)' for offset 0, '(invalid)' past the string data. */
function btfStr(t: BtfTable, off: number): string {
  if (off === 0) return '(anon)';
  return off < t.strEnd() ? t.strBinary(off) : '(invalid)';
}

function kindName(kind: number): string {
  return KIND_NAMES[kind] ?? 'UNKNOWN';
}

/** Two 32-bit halves as a decimal unsigned (or two's-complement signed) 64-bit number. */
function u64Text(lo: number, hi: number, signed: boolean): string {
  if (hi === 0) return String(lo);
  let v = (BigInt(hi) << 32n) | BigInt(lo);
  if (signed) v = BigInt.asIntN(64, v);
  return v.toString();
}

/** One type, without the final newline (multi-line for composite kinds). */
export function dumpBtfId(t: BtfTable, id: number): string {
  const kind = t.kind(id);
  const vlen = t.vlen(id);
  const kflag = t.kflag(id);
  const sot = t.sizeOrType(id);
  let s = `[${id}] ${kindName(kind)} '${btfStr(t, t.nameOff(id))}'`;
  switch (kind) {
    case Kind.INT: {
      const v = t.extra(id, 0);
      const enc = INT_ENCODINGS[(v >>> 24) & 0x0f] ?? 'UNKN';
      s += ` size=${sot} bits_offset=${(v >>> 16) & 0xff} nr_bits=${v & 0xff} encoding=${enc}`;
      break;
    }
    case Kind.PTR:
    case Kind.CONST:
    case Kind.VOLATILE:
    case Kind.RESTRICT:
    case Kind.TYPEDEF:
    case Kind.TYPE_TAG:
      s += ` type_id=${sot}`;
      break;
    case Kind.ARRAY:
      s += ` type_id=${t.extra(id, 0)} index_type_id=${t.extra(id, 1)} nr_elems=${t.extra(id, 2)}`;
      break;
    case Kind.STRUCT:
    case Kind.UNION: {
      s += ` size=${sot} vlen=${vlen}`;
      for (let i = 0; i < vlen; i++) {
        const off = t.extra(id, 3 * i + 2);
        const bitOff = kflag ? off & 0xffffff : off;
        const bitSize = kflag ? off >>> 24 : 0;
        s += `\n\t'${btfStr(t, t.extra(id, 3 * i))}' type_id=${t.extra(id, 3 * i + 1)} bits_offset=${bitOff}`;
        if (bitSize) s += ` bitfield_size=${bitSize}`;
      }
      break;
    }
    case Kind.ENUM: {
      s += ` encoding=${kflag ? 'SIGNED' : 'UNSIGNED'} size=${sot} vlen=${vlen}`;
      for (let i = 0; i < vlen; i++) {
        const v = t.extra(id, 2 * i + 1);
        s += `\n\t'${btfStr(t, t.extra(id, 2 * i))}' val=${kflag ? v | 0 : v >>> 0}`;
      }
      break;
    }
    case Kind.ENUM64: {
      s += ` encoding=${kflag ? 'SIGNED' : 'UNSIGNED'} size=${sot} vlen=${vlen}`;
      for (let i = 0; i < vlen; i++) {
        const v = u64Text(t.extra(id, 3 * i + 1), t.extra(id, 3 * i + 2), kflag === 1);
        s += `\n\t'${btfStr(t, t.extra(id, 3 * i))}' val=${v}${kflag ? 'LL' : 'ULL'}`;
      }
      break;
    }
    case Kind.FWD:
      s += ` fwd_kind=${kflag ? 'union' : 'struct'}`;
      break;
    case Kind.FUNC:
      s += ` type_id=${sot} linkage=${FUNC_LINKAGES[vlen] ?? '(unknown)'}`;
      break;
    case Kind.FUNC_PROTO: {
      s += ` ret_type_id=${sot} vlen=${vlen}`;
      for (let i = 0; i < vlen; i++) {
        s += `\n\t'${btfStr(t, t.extra(id, 2 * i))}' type_id=${t.extra(id, 2 * i + 1)}`;
      }
      break;
    }
    case Kind.VAR:
      s += ` type_id=${sot}, linkage=${VAR_LINKAGES[t.extra(id, 0)] ?? '(unknown)'}`;
      break;
    case Kind.DATASEC: {
      s += ` size=${sot} vlen=${vlen}`;
      for (let i = 0; i < vlen; i++) {
        const vt = t.extra(id, 3 * i);
        s += `\n\ttype_id=${vt} offset=${t.extra(id, 3 * i + 1)} size=${t.extra(id, 3 * i + 2)}`;
        if (vt < t.endId) s += ` (${kindName(t.kind(vt))} '${btfStr(t, vt === 0 ? 0 : t.nameOff(vt))}')`;
      }
      break;
    }
    case Kind.FLOAT:
      s += ` size=${sot}`;
      break;
    case Kind.DECL_TAG:
      s += ` type_id=${sot} component_idx=${t.extra(id, 0) | 0}`;
      break;
  }
  return s;
}
