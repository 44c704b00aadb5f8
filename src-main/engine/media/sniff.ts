/**
 * Identifies a file's container from its first bytes, before any decoder sees it, so that a text file, a
 * known-but-unsupported format and a damaged supported file each get their own error.
 */
export type Sniffed =
  | { kind: 'wav' }
  | { kind: 'flac' }
  | { kind: 'mp3' }
  | { kind: 'ogg' }
  | { kind: 'id3'; tagEnd: number }
  | { kind: 'unsupported'; format: string }
  | { kind: 'unknown' };

const ascii = (b: Uint8Array, at: number, s: string) => {
  if (b.length < at + s.length) return false;
  for (let i = 0; i < s.length; i++) if (b[at + i] !== s.charCodeAt(i)) return false;
  return true;
};

export function sniffContainer(b: Uint8Array): Sniffed {
  if (ascii(b, 0, 'RIFF')) {
    if (ascii(b, 8, 'WAVE')) return { kind: 'wav' };
    if (ascii(b, 8, 'AVI ')) return { kind: 'unsupported', format: 'AVI video' };
    return { kind: 'unknown' };
  }
  if (ascii(b, 0, 'RF64') || ascii(b, 0, 'BW64')) return { kind: 'unsupported', format: 'RF64 (WAV over 4 GiB)' };
  if (ascii(b, 0, 'fLaC')) return { kind: 'flac' };
  if (ascii(b, 0, 'OggS')) return { kind: 'ogg' };
  if (ascii(b, 0, 'ID3') && b.length >= 10) {
    // ID3v2: synchsafe 28-bit size of the tag after its 10-byte header, plus a 10-byte footer when flagged.
    const size = ((b[6] & 0x7f) << 21) | ((b[7] & 0x7f) << 14) | ((b[8] & 0x7f) << 7) | (b[9] & 0x7f);
    return { kind: 'id3', tagEnd: 10 + size + (b[5] & 0x10 ? 10 : 0) };
  }
  if (mpegFrameLength(b, 0) !== null) return { kind: 'mp3' };
  if (b.length >= 2 && b[0] === 0xff && (b[1] & 0xf6) === 0xf0) return { kind: 'unsupported', format: 'AAC (ADTS)' };
  if (ascii(b, 0, 'FORM') && (ascii(b, 8, 'AIFF') || ascii(b, 8, 'AIFC'))) return { kind: 'unsupported', format: 'AIFF' };
  if (ascii(b, 4, 'ftyp')) return { kind: 'unsupported', format: 'MP4/M4A' };
  if (b.length >= 4 && b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3) return { kind: 'unsupported', format: 'WebM/Matroska' };
  if (ascii(b, 0, 'caff')) return { kind: 'unsupported', format: 'CAF' };
  if (b.length >= 8 && [0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11].every((v, i) => b[i] === v)) return { kind: 'unsupported', format: 'WMA/ASF' };
  if (ascii(b, 0, '#!AMR')) return { kind: 'unsupported', format: 'AMR' };
  if (ascii(b, 0, 'wvpk')) return { kind: 'unsupported', format: 'WavPack' };
  if (ascii(b, 0, 'MAC ')) return { kind: 'unsupported', format: "Monkey's Audio" };
  if (ascii(b, 0, 'TTA1')) return { kind: 'unsupported', format: 'TTA' };
  if (ascii(b, 0, '.snd')) return { kind: 'unsupported', format: 'Sun/NeXT AU' };
  if (ascii(b, 0, 'MThd')) return { kind: 'unsupported', format: 'MIDI' };
  return { kind: 'unknown' };
}

const MPEG_BITRATES_KBPS: Record<string, number[]> = {
  // [version 1 | 2/2.5][layer I | II | III]; index 0 is "free format", 15 is invalid.
  '1-1': [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  '1-2': [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  '1-3': [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  '2-1': [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  '2-2': [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  '2-3': [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const MPEG_RATES = { 1: [44100, 48000, 32000], 2: [22050, 24000, 16000], 25: [11025, 12000, 8000] } as const;

/**
 * Length in bytes of the MPEG audio frame whose header starts at `at`, or null when there is no valid
 * header there (sync, version, layer, bitrate and sample-rate fields all checked). Free-format frames
 * (bitrate index 0) have no computable length; they count as valid with length 0.
 */
export function mpegFrameLength(b: Uint8Array, at: number): number | null {
  if (b.length < at + 4 || b[at] !== 0xff || (b[at + 1] & 0xe0) !== 0xe0) return null;
  const versionBits = (b[at + 1] >> 3) & 3; // 0: 2.5, 1: reserved, 2: 2, 3: 1
  const layerBits = (b[at + 1] >> 1) & 3; // 0: reserved (ADTS uses it), 1: III, 2: II, 3: I
  const bitrateIndex = b[at + 2] >> 4;
  const rateIndex = (b[at + 2] >> 2) & 3;
  if (versionBits === 1 || layerBits === 0 || bitrateIndex === 15 || rateIndex === 3) return null;
  const version = versionBits === 3 ? 1 : versionBits === 2 ? 2 : 25;
  const layer = 4 - layerBits;
  const kbps = MPEG_BITRATES_KBPS[`${version === 1 ? 1 : 2}-${layer}`][bitrateIndex];
  const rate = MPEG_RATES[version][rateIndex];
  const padding = (b[at + 2] >> 1) & 1;
  if (kbps === 0) return 0;
  if (layer === 1) return (Math.floor((12 * kbps * 1000) / rate) + padding) * 4;
  const perFrame = layer === 3 && version !== 1 ? 72 : 144;
  return Math.floor((perFrame * kbps * 1000) / rate) + padding;
}

/**
 * Offset of the first MPEG frame in `b` at or after `from` (searching at most `window` bytes), confirmed by
 * a second valid header right after it when that one lies inside `b`; null when none is found. Tagged files
 * sometimes pad between the ID3 tag and the first frame.
 */
export function findMpegFrame(b: Uint8Array, from: number, window: number): number | null {
  const last = Math.min(b.length - 4, from + window);
  for (let at = from; at <= last; at++) {
    const len = mpegFrameLength(b, at);
    if (len === null) continue;
    if (at === from) return at;
    const next = at + len;
    if (len > 0 && (next + 4 > b.length || mpegFrameLength(b, next) !== null)) return at;
  }
  return null;
}
