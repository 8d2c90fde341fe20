/**
 * FNV-1a (32-bit) of bytes as 8 hex digits: the one checksum of the project
 * (checkpoint weights, shipped classifier weights). Catches truncated and
 * corrupted files; every byte step is a bijection, so one changed byte always
 * changes the sum. Not a cryptographic hash.
 */
export function fnv1a(data: Uint8Array | ArrayBuffer): string {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i] as number;
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}
