/**
 * An error caused by the input (a malformed file, a bad option), reported to the user as one line.
 * Anything else thrown is a bug in dwarf2btf.
 */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

export function hex(n: number | bigint): string {
  return '0x' + n.toString(16);
}
