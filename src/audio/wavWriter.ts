import { pcm16 } from './pcm16.js';

/** What a WAV stream's sizes say when they are not known up front, as ffmpeg writes on a pipe. */
const UNKNOWN_SIZE = 0xffffffff;
const HEADER_BYTES = 44;

/** The 44-byte header of mono 16-bit PCM; without `dataBytes` (a stream) both sizes are unknown. */
export function wavHeader(sampleRate: number, dataBytes?: number): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(dataBytes === undefined ? UNKNOWN_SIZE : HEADER_BYTES - 8 + dataBytes, 4);
  header.write('WAVEfmt ', 8, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28); // bytes a second
  header.writeUInt16LE(2, 32); // bytes a frame
  header.writeUInt16LE(16, 34); // bits a sample
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(dataBytes ?? UNKNOWN_SIZE, 40);
  return header;
}

/** A whole mono 16-bit WAV file with exact sizes. */
export function encodeWav(samples: Float32Array, sampleRate: number): Buffer {
  const data = pcm16(samples);
  return Buffer.concat([wavHeader(sampleRate, data.length), data]);
}
