import type { ByteSource } from './byte-source.js';

/** What a WAV file's header says about its audio. */
export interface WavInfo {
  /** Format tag, with WAVE_FORMAT_EXTENSIBLE resolved to its sub-format. */
  formatTag: number;
  channels: number;
  sampleRate: number;
  blockAlign: number;
  bitsPerSample: number;
  dataOffset: number;
  /** Bytes of sample data the header declares (0 and 0xFFFFFFFF are "unknown" placeholders of streaming writers). */
  declaredDataBytes: number;
}

export type WavHeaderResult = { ok: true; info: WavInfo } | { ok: false; problem: string };

/**
 * Walks the RIFF chunks (reading only chunk headers, so a huge file costs a few small reads) up to the
 * `data` chunk. Chunks are word-aligned: an odd-sized chunk is followed by a pad byte.
 */
export async function readWavHeader(src: ByteSource): Promise<WavHeaderResult> {
  let pos = 12;
  let fmt: Omit<WavInfo, 'dataOffset' | 'declaredDataBytes'> | null = null;
  while (pos + 8 <= src.size) {
    const head = await src.read(pos, 8);
    const id = head.toString('latin1', 0, 4);
    const size = head.readUInt32LE(4);
    if (id === 'fmt ') {
      if (size < 16) return { ok: false, problem: `its fmt chunk is ${size} bytes, too short` };
      const f = await src.read(pos + 8, Math.min(size, 40));
      if (f.length < 16) return { ok: false, problem: 'its fmt chunk is cut off' };
      let formatTag = f.readUInt16LE(0);
      if (formatTag === 0xfffe) {
        if (f.length < 26) return { ok: false, problem: 'its extensible fmt chunk is cut off' };
        formatTag = f.readUInt16LE(24);
      }
      fmt = { formatTag, channels: f.readUInt16LE(2), sampleRate: f.readUInt32LE(4), blockAlign: f.readUInt16LE(12), bitsPerSample: f.readUInt16LE(14) };
    } else if (id === 'data') {
      if (!fmt) return { ok: false, problem: 'its data chunk comes before any fmt chunk' };
      return { ok: true, info: { ...fmt, dataOffset: pos + 8, declaredDataBytes: size } };
    }
    pos += 8 + size + (size % 2);
  }
  return { ok: false, problem: fmt ? 'it has no data chunk (the file may be truncated)' : 'it has no fmt chunk' };
}

/** Format tags audio-decode's WAV decoder reads. */
export const DECODABLE_WAV_TAGS: ReadonlyMap<number, string> = new Map([
  [0x0001, 'PCM'],
  [0x0003, 'IEEE float'],
  [0x0006, 'A-law'],
  [0x0007, 'µ-law'],
  [0x0002, 'MS ADPCM'],
  [0x0011, 'IMA ADPCM'],
]);

/** Names of some tags we do not decode, for a clearer error. */
export const OTHER_WAV_TAGS: ReadonlyMap<number, string> = new Map([
  [0x0031, 'GSM 6.10'],
  [0x0050, 'MPEG'],
  [0x0055, 'MPEG Layer 3'],
  [0x0092, 'Dolby AC-3'],
  [0x0161, 'Windows Media Audio'],
  [0x00ff, 'AAC'],
  [0x1610, 'HE-AAC'],
  [0x0022, 'TrueSpeech'],
  [0x0040, 'G.721 ADPCM'],
]);
