import { RealtimeError } from './errors.js';

/** The input formats of OpenAI's Realtime API: 16-bit PCM at 24 kHz, G.711 µ-law and A-law at 8 kHz. */
export const INPUT_AUDIO_FORMATS = ['pcm16', 'g711_ulaw', 'g711_alaw'] as const;
export type InputAudioFormat = (typeof INPUT_AUDIO_FORMATS)[number];

export const INPUT_SAMPLE_RATES: Record<InputAudioFormat, number> = { pcm16: 24000, g711_ulaw: 8000, g711_alaw: 8000 };

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** G.711 µ-law: a byte to a 16-bit sample (ITU-T G.711's expansion). */
function ulaw(byte: number): number {
  const u = ~byte & 0xff;
  const magnitude = ((((u & 0x0f) << 3) + 0x84) << ((u >> 4) & 0x07)) - 0x84;
  return u & 0x80 ? -magnitude : magnitude;
}

/** G.711 A-law: a byte to a 16-bit sample (ITU-T G.711's expansion). */
function alaw(byte: number): number {
  const a = byte ^ 0x55;
  const exponent = (a >> 4) & 0x07;
  const mantissa = a & 0x0f;
  const magnitude = exponent === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1);
  return a & 0x80 ? magnitude : -magnitude;
}

/** Base64 audio of an input_audio_buffer.append, as float samples at the format's rate. */
export function decodeInputAudio(base64: string, format: InputAudioFormat): Float32Array {
  if (!BASE64.test(base64)) throw new RealtimeError('The audio is not valid base64', 'invalid_base64', 'audio');
  const bytes = Buffer.from(base64, 'base64');
  if (format === 'pcm16') {
    if (bytes.length % 2 !== 0) {
      throw new RealtimeError(
        `The audio is ${bytes.length} bytes, not whole 16-bit samples: the session's input_audio_format is pcm16`,
        'invalid_audio_format',
        'audio',
      );
    }
    const samples = new Float32Array(bytes.length / 2);
    for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(i * 2) / 32768;
    return samples;
  }
  const expand = format === 'g711_ulaw' ? ulaw : alaw;
  return Float32Array.from(bytes, (byte) => expand(byte) / 32768);
}

/** The GA Realtime API's names of the input formats (`audio.input.format`), in the beta API's terms. */
const GA_FORMATS: Record<string, InputAudioFormat> = { 'audio/pcm': 'pcm16', 'audio/pcmu': 'g711_ulaw', 'audio/pcma': 'g711_alaw' };

/** A GA `audio.input.format` object as the beta API's input_audio_format. */
export function formatFromGa(format: unknown): InputAudioFormat {
  const type = typeof format === 'object' && format !== null ? (format as { type?: unknown; rate?: unknown }) : undefined;
  const named = typeof type?.type === 'string' ? GA_FORMATS[type.type] : undefined;
  if (named === undefined || (type?.rate !== undefined && type.rate !== INPUT_SAMPLE_RATES[named])) {
    throw new RealtimeError(
      'audio.input.format must be {"type": "audio/pcm", "rate": 24000}, {"type": "audio/pcmu"} or {"type": "audio/pcma"}',
      'invalid_value',
      'session.audio.input.format',
    );
  }
  return named;
}

/** The beta API's input_audio_format as a GA `audio.input.format` object. */
export function formatToGa(format: InputAudioFormat): { type: string; rate?: number } {
  const type = Object.keys(GA_FORMATS).find((name) => GA_FORMATS[name] === format)!;
  return format === 'pcm16' ? { type, rate: INPUT_SAMPLE_RATES[format] } : { type };
}
