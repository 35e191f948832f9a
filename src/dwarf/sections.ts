import type { SectionExtent } from './section-source.js';

/** The DWARF sections a reader needs, already decompressed and relocated. */
export interface DwarfSections {
  info: Uint8Array;
  abbrev: Uint8Array;
  str?: Uint8Array;
  lineStr?: Uint8Array;
  strOffsets?: Uint8Array;
  addr?: Uint8Array;
  /** Location lists: .debug_loc (DWARF 2-4) and .debug_loclists (DWARF 5), for parameter locations. */
  loc?: Uint8Array;
  loclists?: Uint8Array;
  /** Where the location lists lie in the file when they are read from it in windows instead. */
  locExtent?: SectionExtent;
  loclistsExtent?: SectionExtent;
  /** DWARF 4 type units (rare in kernels); not read yet. */
  types?: Uint8Array;
  littleEndian: boolean;
}
