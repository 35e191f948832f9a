/** The DWARF sections a reader needs, already decompressed and relocated. */
export interface DwarfSections {
  info: Uint8Array;
  abbrev: Uint8Array;
  str?: Uint8Array;
  lineStr?: Uint8Array;
  strOffsets?: Uint8Array;
  addr?: Uint8Array;
  /** DWARF 4 type units (rare in kernels); not read yet. */
  types?: Uint8Array;
  littleEndian: boolean;
}
