// Helpers for the golden comparisons.
import { Kind } from '../../src/btf/kinds.js';
import { BtfTable } from '../../src/btf/table.js';
import { noFeatures, paholeLegacyFeatures, parseFeatures, type Features } from '../../src/encode/features.js';

/** The features pahole's command line `flags` selects (the options make-goldens.sh uses). */
export function featuresOfFlags(flags: string): Features {
  let f: Features | null = null;
  let floats = false;
  for (const word of flags.split(/\s+/)) {
    const m = /^--btf_features=(.*)$/.exec(word);
    if (m) parseFeatures(m[1], (f ??= noFeatures()), true);
    else if (word === '--btf_gen_floats') floats = true;
  }
  const out = f ?? paholeLegacyFeatures();
  if (floats) out.float = true;
  return out;
}

/**
 * pahole's BTF with its DATASEC entries that overlap an earlier entry left out, as dwarf2btf
 * leaves them out (two variables at one address, e.g. a weak variable defined in two linked
 * units: the kernel refuses such a DATASEC); a DATASEC's size is then the end of its last kept
 * entry. Everything else is unchanged. Returns `gold` itself when no DATASEC overlaps.
 */
export function withoutOverlaps(gold: Uint8Array): Uint8Array {
  const t = BtfTable.parse(gold, null, 'golden');
  let overlap = false;
  for (let id = 1; id < t.endId && !overlap; id++) {
    if (t.kind(id) !== Kind.DATASEC) continue;
    let end = 0;
    for (let i = 0; i < t.vlen(id); i++) {
      const off = t.extra(id, i * 3 + 1);
      if (off < end) overlap = true;
      end = off + t.extra(id, i * 3 + 2);
    }
  }
  if (!overlap) return gold;
  const out = new BtfTable(null, t.strings);
  for (let id = 1; id < t.endId; id++) {
    if (t.kind(id) !== Kind.DATASEC) {
      out.copyRaw(t, id);
      continue;
    }
    const kept: number[][] = [];
    let end = 0;
    for (let i = 0; i < t.vlen(id); i++) {
      const e = [t.extra(id, i * 3), t.extra(id, i * 3 + 1), t.extra(id, i * 3 + 2)];
      if (e[1] < end) continue;
      kept.push(e);
      end = e[1] + e[2];
    }
    const last = kept[kept.length - 1];
    out.begin(t.nameOff(id), Kind.DATASEC, kept.length, 0, last[1] + last[2]);
    for (const e of kept) for (const w of e) out.push(w);
  }
  const bigEndian = gold[0] === 0xeb && gold[1] === 0x9f;
  return out.serialize(bigEndian);
}
