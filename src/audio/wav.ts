import { AudioDecodeError } from './errors.js';

export type WavSampleFormat = 'u8' | 's16' | 's24' | 's32' | 'f32' | 'f64';

/** Where a WAV file's samples are and how to read them. */
export interface WavLayout {
  sampleFormat: WavSampleFormat;
  bytesPerSample: number;
  sampleRate: number;
  channels: number;
  /** Byte offset of the first sample. */
  dataOffset: number;
  /** Whole frames actually in the bytes, whatever the header claims. */
  frames: number;
}

type WavFormat = Pick<WavLayout, 'sampleFormat' | 'bytesPerSample' | 'sampleRate' | 'channels'>;

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
/** KSDATAFORMAT_SUBTYPE_* GUIDs are the format tag followed by these 14 bytes. */
const SUBFORMAT_GUID_TAIL = Buffer.from('000000001000800000aa00389b71', 'hex');

const PCM_FORMATS: Record<number, WavSampleFormat> = { 8: 'u8', 16: 's16', 24: 's24', 32: 's32' };
const FLOAT_FORMATS: Record<number, WavSampleFormat> = { 32: 'f32', 64: 'f64' };
const SUPPORTED = 'send PCM (8, 16, 24 or 32-bit) or IEEE float (32 or 64-bit)';

function invalid(message: string): AudioDecodeError {
  return new AudioDecodeError(message);
}

function parseFmt(chunk: Buffer): WavFormat {
  if (chunk.length < 16) throw invalid("The WAV file's fmt chunk is shorter than 16 bytes");
  let tag = chunk.readUInt16LE(0);
  const channels = chunk.readUInt16LE(2);
  const sampleRate = chunk.readUInt32LE(4);
  const bits = chunk.readUInt16LE(14);
  if (tag === WAVE_FORMAT_EXTENSIBLE) {
    if (chunk.length < 40) throw invalid("The WAV file's WAVE_FORMAT_EXTENSIBLE fmt chunk is shorter than 40 bytes");
    if (!chunk.subarray(26, 40).equals(SUBFORMAT_GUID_TAIL)) throw invalid("The WAV file's sub-format GUID is not a WAVE format tag");
    tag = chunk.readUInt16LE(24);
  }
  if (channels === 0) throw invalid('The WAV file declares 0 channels');
  if (sampleRate === 0) throw invalid('The WAV file declares a sample rate of 0 Hz');
  let sampleFormat: WavSampleFormat | undefined;
  if (tag === WAVE_FORMAT_PCM) sampleFormat = PCM_FORMATS[bits];
  else if (tag === WAVE_FORMAT_IEEE_FLOAT) sampleFormat = FLOAT_FORMATS[bits];
  else throw invalid(`The WAV file's format tag 0x${tag.toString(16).padStart(4, '0')} is not supported; ${SUPPORTED}`);
  if (sampleFormat === undefined) {
    throw invalid(`The WAV file's ${bits}-bit ${tag === WAVE_FORMAT_PCM ? 'PCM' : 'float'} samples are not supported; ${SUPPORTED}`);
  }
  return { sampleFormat, bytesPerSample: bits / 8, sampleRate, channels };
}

function walkChunks(bytes: Buffer, partial: boolean): WavLayout | undefined {
  if (bytes.length < 12) {
    if (partial) return undefined;
    throw invalid('The file is not a WAV file: it is shorter than a RIFF/WAVE header');
  }
  if (bytes.toString('latin1', 0, 4) !== 'RIFF' || bytes.toString('latin1', 8, 12) !== 'WAVE') {
    throw invalid('The file is not a WAV file: it does not start with a RIFF/WAVE header');
  }
  let format: WavFormat | undefined;
  // The RIFF size is ignored: streamed files carry 0 or 0xFFFFFFFF there.
  for (let offset = 12; offset + 8 <= bytes.length;) {
    const id = bytes.toString('latin1', offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (body + size > bytes.length) {
        if (partial) return undefined;
        throw invalid("The WAV file's fmt chunk is cut short");
      }
      format = parseFmt(bytes.subarray(body, body + size));
    } else if (id === 'data') {
      if (format === undefined) throw invalid('The WAV file has no fmt chunk before its data chunk');
      // A streamed WAV says 0xFFFFFFFF, a cut one more than is there: read what is there.
      const dataBytes = Math.min(size, bytes.length - body);
      const frameBytes = format.bytesPerSample * format.channels;
      if (!partial && dataBytes % frameBytes !== 0) throw invalid("The WAV file's data chunk ends inside a sample frame");
      return { ...format, dataOffset: body, frames: Math.floor(dataBytes / frameBytes) };
    }
    offset = body + size + (size & 1); // chunks are padded to even sizes
  }
  if (partial) return undefined;
  throw invalid(format === undefined ? 'The WAV file has no fmt chunk' : 'The WAV file has no data chunk');
}

/** The layout of a whole WAV file; throws AudioDecodeError when it is not one we can read. */
export function readWavLayout(bytes: Buffer): WavLayout {
  return walkChunks(bytes, false)!;
}

/** The layout of a WAV file's first bytes, or undefined until they reach the data chunk. */
export function peekWavLayout(bytes: Buffer): WavLayout | undefined {
  return walkChunks(bytes, true);
}

/** The interleaved samples as float, scaled exactly as ffmpeg converts each format. */
export function wavSamples(bytes: Buffer, layout: WavLayout): Float32Array {
  const count = layout.frames * layout.channels;
  const out = new Float32Array(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset + layout.dataOffset, count * layout.bytesPerSample);
  switch (layout.sampleFormat) {
    case 'u8':
      for (let i = 0; i < count; i++) out[i] = (view.getUint8(i) - 128) / 128;
      break;
    case 's16':
      for (let i = 0; i < count; i++) out[i] = view.getInt16(2 * i, true) / 32768;
      break;
    case 's24':
      for (let i = 0, o = 0; i < count; i++, o += 3) {
        out[i] = (view.getUint8(o) | (view.getUint8(o + 1) << 8) | (view.getInt8(o + 2) << 16)) / 8388608;
      }
      break;
    case 's32':
      for (let i = 0; i < count; i++) out[i] = view.getInt32(4 * i, true) / 2147483648;
      break;
    case 'f32':
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
      break;
    case 'f64':
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * i, true);
      break;
  }
  return out;
}
