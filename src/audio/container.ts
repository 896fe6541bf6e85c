import path from 'node:path';

import { AudioDecodeError, unrecognizedFormat } from './errors.js';

/** How an upload is packed; `pcm` is headerless s16le. */
export type Container = 'wav' | 'pcm' | 'flac' | 'mp3' | 'mp4' | 'ogg' | 'webm' | 'aac' | 'mpeg';

/** Names for messages. */
export const CONTAINER_LABELS: Record<Container, string> = {
  wav: 'WAV',
  pcm: 'raw PCM',
  flac: 'FLAC',
  mp3: 'MP3',
  mp4: 'MP4/M4A',
  ogg: 'Ogg',
  webm: 'WebM',
  aac: 'AAC',
  mpeg: 'MPEG',
};

export interface UploadHint {
  filename?: string | undefined;
  contentType?: string | undefined;
}

const EXTENSIONS: Record<string, Container> = {
  wav: 'wav',
  wave: 'wav',
  pcm: 'pcm',
  flac: 'flac',
  mp3: 'mp3',
  mpga: 'mp3',
  mpeg: 'mpeg',
  mp4: 'mp4',
  m4a: 'mp4',
  mov: 'mp4',
  ogg: 'ogg',
  oga: 'ogg',
  opus: 'ogg',
  webm: 'webm',
  mka: 'webm',
  aac: 'aac',
};

const CONTENT_TYPES: Record<string, Container> = {
  'audio/wav': 'wav',
  'audio/wave': 'wav',
  'audio/x-wav': 'wav',
  'audio/vnd.wave': 'wav',
  'audio/pcm': 'pcm',
  'audio/flac': 'flac',
  'audio/x-flac': 'flac',
  'audio/mpeg': 'mp3',
  'audio/mp3': 'mp3',
  'audio/mpga': 'mp3',
  'audio/mp4': 'mp4',
  'audio/m4a': 'mp4',
  'audio/x-m4a': 'mp4',
  'video/mp4': 'mp4',
  'audio/ogg': 'ogg',
  'audio/opus': 'ogg',
  'application/ogg': 'ogg',
  'audio/webm': 'webm',
  'video/webm': 'webm',
  'audio/aac': 'aac',
  'audio/x-aac': 'aac',
};

function fromFilename(filename: string | undefined): Container | undefined {
  if (filename === undefined) return undefined;
  return EXTENSIONS[path.extname(filename).slice(1).toLowerCase()];
}

function fromContentType(contentType: string | undefined): Container | undefined {
  if (contentType === undefined) return undefined;
  return CONTENT_TYPES[contentType.split(';')[0]!.trim().toLowerCase()];
}

function ascii(bytes: Buffer, offset: number, text: string): boolean {
  return bytes.length >= offset + text.length && bytes.toString('latin1', offset, offset + text.length) === text;
}

/** A frame header: 11 sync bits, then fields that rule out most random 0xFF bytes. */
function mpegAudioFrame(bytes: Buffer): Container | undefined {
  if (bytes.length < 3 || bytes[0] !== 0xff || (bytes[1]! & 0xe0) !== 0xe0) return undefined;
  const version = (bytes[1]! >> 3) & 3;
  const layer = (bytes[1]! >> 1) & 3;
  if (layer === 0) return (bytes[1]! & 0xf0) === 0xf0 ? 'aac' : undefined; // ADTS: 12 sync bits, layer 00
  const bitrateIndex = bytes[2]! >> 4;
  const rateIndex = (bytes[2]! >> 2) & 3;
  return version !== 1 && bitrateIndex !== 0xf && rateIndex !== 3 ? 'mp3' : undefined;
}

/**
 * An ISO base media file (MP4, MOV, M4A): a `ftyp` box first. Its index (`moov`) may come after the media,
 * as ffmpeg writes it by default, so reading it needs a seekable input.
 */
export function isIsoBmff(bytes: Buffer): boolean {
  return ascii(bytes, 4, 'ftyp');
}

function fromMagic(bytes: Buffer): Container | undefined {
  if (ascii(bytes, 0, 'RIFF') && ascii(bytes, 8, 'WAVE')) return 'wav';
  if (ascii(bytes, 0, 'fLaC')) return 'flac';
  if (ascii(bytes, 0, 'OggS')) return 'ogg';
  if (bytes.length >= 4 && bytes.readUInt32BE(0) === 0x1a45dfa3) return 'webm';
  if (isIsoBmff(bytes)) return 'mp4';
  if (ascii(bytes, 0, 'ID3')) return 'mp3';
  if (bytes.length >= 4 && bytes.readUInt32BE(0) === 0x000001ba) return 'mpeg';
  return mpegAudioFrame(bytes);
}

/**
 * The upload's container: from its first bytes, else from its name, else from its content type. A client
 * that declares raw PCM is believed first: headerless samples have no magic, and a sample such as 0xF3FF
 * looks like an MPEG frame header.
 */
export function detectContainer(bytes: Buffer, hint: UploadHint): Container {
  if (bytes.length === 0) throw new AudioDecodeError('The file is empty');
  const declared = fromFilename(hint.filename) ?? fromContentType(hint.contentType);
  if (declared === 'pcm') return 'pcm';
  const container = fromMagic(bytes) ?? declared;
  if (container === undefined) throw unrecognizedFormat();
  return container;
}
