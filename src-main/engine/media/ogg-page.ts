/** Ogg page reading (RFC 3533): just enough to identify the codec and read the stream's length. */

const CRC_TABLE = (() => {
  // CRC-32 with polynomial 0x04c11db7, MSB first, initial value 0, no final xor (as Ogg defines it).
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let k = 0; k < 8; k++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    t[i] = r >>> 0;
  }
  return t;
})();

function oggCrc(page: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < page.length; i++) {
    const byte = i >= 22 && i < 26 ? 0 : page[i]; // the checksum field counts as zero
    crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ byte) & 0xff]) >>> 0;
  }
  return crc;
}

export interface OggPage {
  offset: number;
  /** Header plus body length. */
  length: number;
  /** Position in the stream after this page, in codec samples; -1 when no packet ends on this page. */
  granule: bigint;
  endOfStream: boolean;
  body: Uint8Array;
}

/**
 * Parses the page starting at `at` in `b`. Returns null when there is no capture pattern, the page does not
 * fit in `b`, or its checksum does not match.
 */
export function parseOggPage(b: Uint8Array, at: number, offsetInFile = at): OggPage | null {
  if (b.length < at + 27 || b[at] !== 0x4f || b[at + 1] !== 0x67 || b[at + 2] !== 0x67 || b[at + 3] !== 0x53 || b[at + 4] !== 0) return null;
  const segments = b[at + 26];
  if (b.length < at + 27 + segments) return null;
  let bodyLength = 0;
  for (let i = 0; i < segments; i++) bodyLength += b[at + 27 + i];
  const length = 27 + segments + bodyLength;
  if (b.length < at + length) return null;
  const page = b.subarray(at, at + length);
  const view = new DataView(page.buffer, page.byteOffset, page.byteLength);
  if (view.getUint32(22, true) !== oggCrc(page)) return null;
  return {
    offset: offsetInFile,
    length,
    granule: view.getBigInt64(6, true),
    endOfStream: (page[5] & 0x04) !== 0,
    body: page.subarray(27 + segments),
  };
}

/** The last complete, checksum-valid page in `tail` (the final bytes of a file starting at `tailOffset`). */
export function lastOggPage(tail: Uint8Array, tailOffset: number): OggPage | null {
  for (let at = tail.length - 27; at >= 0; at--) {
    if (tail[at] !== 0x4f || tail[at + 1] !== 0x67) continue;
    const page = parseOggPage(tail, at, tailOffset + at);
    if (page) return page;
  }
  return null;
}

/** The largest possible page: 27-byte header, 255 lacing values, 255 segments of 255 bytes. */
export const MAX_OGG_PAGE = 27 + 255 + 255 * 255;
