import type { ByteSource } from './byte-source.js';
import { audioError, SUPPORTED_FORMATS_TEXT } from './audio-errors.js';
import { lastOggPage, MAX_OGG_PAGE, parseOggPage } from './ogg-page.js';
import { findMpegFrame, sniffContainer } from './sniff.js';
import { DECODABLE_WAV_TAGS, OTHER_WAV_TAGS, readWavHeader } from './wav-header.js';

export type AudioFormat = 'wav' | 'flac' | 'mp3' | 'vorbis' | 'opus';

/** What the container says, read from headers only. */
export interface AudioProbe {
  format: AudioFormat;
  /** Byte range the decoder should be fed. */
  start: number;
  end: number;
  sampleRate: number | null;
  channels: number | null;
  /** Frames the container declares (WAV data size, FLAC STREAMINFO, last Ogg granule); null when unknown. */
  declaredFrames: number | null;
}

const HEAD_BYTES = 64 * 1024;

/**
 * Identifies and sanity-checks an audio file from its headers. Throws `empty_audio`, `not_audio`,
 * `unsupported_audio` or `corrupt_audio` (with the file's name in the message) when it cannot be decoded.
 */
export async function probeAudio(src: ByteSource, name: string): Promise<AudioProbe> {
  if (src.size === 0) throw audioError('empty_audio', name, 'is empty (0 bytes).');
  const head = await src.read(0, HEAD_BYTES);
  let sniffed = sniffContainer(head);
  let offset = 0;
  if (sniffed.kind === 'id3') {
    // An ID3v2 tag can precede MP3 (usually) or FLAC (rarely): look at what follows it.
    offset = sniffed.tagEnd;
    if (offset >= src.size) throw audioError('corrupt_audio', name, 'has an ID3 tag but no audio after it.');
    const after = await src.read(offset, HEAD_BYTES);
    const inner = sniffContainer(after);
    if (inner.kind === 'flac') sniffed = inner;
    else {
      const frame = findMpegFrame(after, 0, 4096);
      if (frame === null) throw audioError('corrupt_audio', name, 'has an ID3 tag but no MPEG audio frames after it.');
      return mp3Probe(after.subarray(frame), offset + frame, src.size);
    }
  }
  switch (sniffed.kind) {
    case 'wav':
      return wavProbe(src, name);
    case 'flac':
      return flacProbe(src, name, offset);
    case 'ogg':
      return oggProbe(src, head, name);
    case 'mp3':
      return mp3Probe(head, 0, src.size);
    case 'unsupported':
      throw audioError('unsupported_audio', name, `is ${sniffed.format}, which is not supported. Use ${SUPPORTED_FORMATS_TEXT}.`, { format: sniffed.format });
    default:
      throw audioError('not_audio', name, `is not an audio file (supported: ${SUPPORTED_FORMATS_TEXT}).`);
  }
}

async function wavProbe(src: ByteSource, name: string): Promise<AudioProbe> {
  const header = await readWavHeader(src);
  if (!header.ok) throw audioError('corrupt_audio', name, `is a damaged WAV file: ${header.problem}.`);
  const { formatTag, channels, sampleRate, blockAlign, bitsPerSample, dataOffset, declaredDataBytes } = header.info;
  const codec = DECODABLE_WAV_TAGS.get(formatTag);
  if (!codec) {
    const known = OTHER_WAV_TAGS.get(formatTag);
    const label = known ? `${known} (format 0x${formatTag.toString(16)})` : `format 0x${formatTag.toString(16).padStart(4, '0')}`;
    throw audioError('unsupported_audio', name, `is a WAV file with ${label} audio, which is not supported. Use PCM or float WAV, or ${SUPPORTED_FORMATS_TEXT}.`, {
      formatTag,
    });
  }
  const linear = formatTag === 0x0001 || formatTag === 0x0003;
  if ((formatTag === 0x0001 && ![8, 16, 24, 32].includes(bitsPerSample)) || (formatTag === 0x0003 && ![32, 64].includes(bitsPerSample))) {
    throw audioError('unsupported_audio', name, `is a ${bitsPerSample}-bit ${codec} WAV file, which is not supported.`, { bitsPerSample });
  }
  if (channels === 0 || sampleRate === 0 || blockAlign === 0 || (linear && blockAlign !== (channels * bitsPerSample) / 8)) {
    throw audioError('corrupt_audio', name, `is a damaged WAV file: its header is inconsistent (${channels} channels, ${sampleRate} Hz, block ${blockAlign} bytes).`);
  }
  const available = src.size - dataOffset;
  // 0 and 0xFFFFFFFF are what streaming writers leave when they never came back to fill in the size.
  const placeholder = declaredDataBytes === 0 || declaredDataBytes === 0xffffffff;
  const dataBytes = placeholder ? available : declaredDataBytes;
  if (dataBytes > available) {
    const secs = (n: number) => (n / blockAlign / sampleRate).toFixed(1);
    throw audioError('corrupt_audio', name, `is truncated: its header declares ${secs(dataBytes)} s of audio but the file ends after ${secs(available)} s.`);
  }
  const declaredFrames = linear ? Math.floor(dataBytes / blockAlign) : null;
  if (dataBytes < blockAlign || declaredFrames === 0) throw audioError('empty_audio', name, 'contains no audio samples.');
  return { format: 'wav', start: 0, end: dataOffset + dataBytes, sampleRate, channels, declaredFrames };
}

async function flacProbe(src: ByteSource, name: string, offset: number): Promise<AudioProbe> {
  const b = await src.read(offset, 42);
  // 'fLaC', then the first metadata block, which must be STREAMINFO (type 0, 34 bytes).
  if (b.length < 42 || (b[4] & 0x7f) !== 0 || b.readUIntBE(5, 3) < 34) {
    throw audioError('corrupt_audio', name, 'is a damaged FLAC file: its STREAMINFO block is missing.');
  }
  const s = 8;
  const sampleRate = (b[s + 10] << 12) | (b[s + 11] << 4) | (b[s + 12] >> 4);
  const channels = ((b[s + 12] >> 1) & 7) + 1;
  const totalFrames = (b[s + 13] & 0x0f) * 2 ** 32 + b.readUInt32BE(s + 14);
  if (sampleRate === 0) throw audioError('corrupt_audio', name, 'is a damaged FLAC file: its sample rate is 0.');
  return { format: 'flac', start: offset, end: src.size, sampleRate, channels, declaredFrames: totalFrames === 0 ? null : totalFrames };
}

async function oggProbe(src: ByteSource, head: Buffer, name: string): Promise<AudioProbe> {
  const first = parseOggPage(head, 0);
  if (!first) throw audioError('corrupt_audio', name, 'is a damaged Ogg file: its first page is unreadable.');
  const body = Buffer.from(first.body.buffer, first.body.byteOffset, first.body.byteLength);
  let format: AudioFormat;
  let sampleRate: number;
  let channels: number;
  let preSkip = 0;
  if (body.length >= 19 && body.toString('latin1', 0, 8) === 'OpusHead') {
    format = 'opus';
    channels = body[9];
    preSkip = body.readUInt16LE(10);
    sampleRate = 48000; // Opus granule positions always count 48 kHz samples
  } else if (body.length >= 16 && body[0] === 1 && body.toString('latin1', 1, 7) === 'vorbis') {
    format = 'vorbis';
    channels = body[11];
    sampleRate = body.readUInt32LE(12);
  } else {
    const codec =
      body.length >= 5 && body[0] === 0x7f && body.toString('latin1', 1, 5) === 'FLAC'
        ? 'FLAC in an Ogg container'
        : body.toString('latin1', 0, 8) === 'Speex   '
          ? 'Speex'
          : body.length >= 7 && body[0] === 0x80 && body.toString('latin1', 1, 7) === 'theora'
            ? 'Theora video'
            : 'an Ogg stream with an unknown codec';
    throw audioError('unsupported_audio', name, `is ${codec}, which is not supported. Use ${SUPPORTED_FORMATS_TEXT}.`, { format: codec });
  }
  if (channels === 0 || sampleRate === 0) throw audioError('corrupt_audio', name, `is a damaged Ogg ${format} file: its header is inconsistent.`);

  const tailStart = Math.max(0, src.size - MAX_OGG_PAGE);
  const last = lastOggPage(await src.read(tailStart, src.size - tailStart), tailStart);
  if (!last || last.offset + last.length !== src.size) {
    throw audioError('corrupt_audio', name, 'is truncated or damaged: it does not end with a complete Ogg page.');
  }
  const declared = last.granule < 0n ? null : Number(last.granule) - preSkip;
  return { format, start: 0, end: src.size, sampleRate, channels, declaredFrames: declared !== null && declared > 0 ? declared : null };
}

function mp3Probe(frame: Uint8Array, offset: number, size: number): AudioProbe {
  const versionBits = (frame[1] >> 3) & 3;
  const rateIndex = (frame[2] >> 2) & 3;
  const rates = versionBits === 3 ? [44100, 48000, 32000] : versionBits === 2 ? [22050, 24000, 16000] : [11025, 12000, 8000];
  const channels = frame[3] >> 6 === 3 ? 1 : 2;
  return { format: 'mp3', start: offset, end: size, sampleRate: rates[rateIndex], channels, declaredFrames: null };
}
