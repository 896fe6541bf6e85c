import type { Readable } from 'node:stream';

/** Speech in, encoded bytes out, as the chunks come. */
export interface SpeechEncoder {
  readonly contentType: string;
  /** Rate of the encoded audio. */
  readonly sampleRate: number;
  /** Mono float samples at the input rate. Ignored after abort(). */
  write(chunk: Float32Array): void;
  /** No more samples: the output ends once the encoder has flushed. */
  end(): void;
  /** The encoded bytes; it fails (is destroyed with an error) when encoding does. */
  readonly output: Readable;
  /** Stops at once: the output is destroyed without an error and an encoder process is killed. */
  abort(): void;
}

/** Write/end/abort bookkeeping shared by the encoders: writing after end is a programming error. */
export class EncoderState {
  #state: 'open' | 'ended' | 'aborted' = 'open';

  get aborted(): boolean {
    return this.#state === 'aborted';
  }

  /** Whether a write should go ahead. */
  writable(): boolean {
    if (this.#state === 'ended') throw new Error('The speech encoder was written to after end()');
    return this.#state === 'open';
  }

  /** Whether end() should go ahead (the first call, when not aborted). */
  end(): boolean {
    if (this.#state !== 'open') return false;
    this.#state = 'ended';
    return true;
  }

  /** Whether abort() should go ahead (the first call). */
  abort(): boolean {
    if (this.#state === 'aborted') return false;
    this.#state = 'aborted';
    return true;
  }
}
