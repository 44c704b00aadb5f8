/** One byte range of a resource, inclusive at both ends (as in Content-Range). */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Reads a Range header against a resource of `size` bytes (RFC 9110 §14): `bytes=a-b`, `bytes=a-` or
 * `bytes=-n`. Returns 'none' when there is no range to honour (no header, or several ranges, which we may
 * answer with the whole resource), 'unsatisfiable' for a range we cannot serve (→ 416), else the range with
 * its end clamped to the resource.
 */
export function parseByteRange(header: string | undefined, size: number): ByteRange | 'none' | 'unsatisfiable' {
  if (header === undefined) return 'none';
  const match = /^\s*bytes\s*=\s*(.+)$/i.exec(header);
  if (!match) return 'unsatisfiable';
  const specs = match[1].split(',');
  if (specs.length > 1) return 'none';
  const spec = /^\s*(\d*)\s*-\s*(\d*)\s*$/.exec(specs[0]);
  if (!spec || (spec[1] === '' && spec[2] === '')) return 'unsatisfiable';
  if (spec[1] === '') {
    // Suffix: the last n bytes.
    const length = Number(spec[2]);
    if (length === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(spec[1]);
  const end = spec[2] === '' ? size - 1 : Math.min(Number(spec[2]), size - 1);
  if (!Number.isSafeInteger(start) || start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}
