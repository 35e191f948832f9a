/**
 * An error caused by the input (a malformed file, a bad option), reported to the user as one line.
 * Anything else thrown is a bug in dwarf2btf.
 */
export class InputError extends Error {
  constructor(message: string) {
    // names taken from a file may hold control characters: keep the message on one line
    super(printable(message));
    this.name = 'InputError';
  }
}

export function hex(n: number | bigint): string {
  return '0x' + n.toString(16);
}

/** `s` with control characters escaped, so that a name from a file cannot break a one-line message. */
export function printable(s: string): string {
  return s.replace(/[\x00-\x1f\x7f]/g, (c) => '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0'));
}
