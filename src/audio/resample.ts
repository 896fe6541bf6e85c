/** Zero crossings of the sinc on each side of a tap set. */
const ZERO_CROSSINGS = 32;
/** Cutoff as a fraction of the lower of the two Nyquist frequencies; the transition band ends near it. */
const CUTOFF = 0.92;

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

function blackman(x: number): number {
  return 0.42 + 0.5 * Math.cos(Math.PI * x) + 0.08 * Math.cos(2 * Math.PI * x);
}

/** The taps for an output `frac` of an input sample past input `i`, applied to inputs i-half+1 … i+half. */
function taps(frac: number, half: number, cutoff: number): Float32Array {
  const weights = new Float64Array(2 * half);
  let sum = 0;
  for (let k = 0; k < weights.length; k++) {
    const distance = frac + half - 1 - k;
    const x = cutoff * distance;
    const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    weights[k] = cutoff * sinc * blackman(distance / half);
    sum += weights[k]!;
  }
  // Each phase passes DC at exactly unit gain.
  return Float32Array.from(weights, (w) => w / sum);
}

/**
 * Band-limited resampling by a rational ratio, in a stream: a polyphase Blackman-windowed sinc, with the
 * cutoff below the lower Nyquist frequency so that upsampling adds no images and downsampling no aliases.
 * Output sample n sits at input position n·down/up; the output has ceil(inputs·up/down) samples.
 */
export class Resampler {
  readonly #up: number;
  readonly #down: number;
  /** Input samples a tap set reaches on each side. */
  readonly #half: number;
  /** One tap set per output phase (n·down mod up). */
  readonly #phases: Float32Array[];
  /** Input from absolute index #start on: what the next outputs still need. Negative indices are zeros. */
  #buffer: Float32Array;
  #start: number;
  #inputs = 0;
  #outputs = 0;

  constructor(inputRate: number, outputRate: number) {
    const divisor = gcd(inputRate, outputRate);
    this.#up = outputRate / divisor;
    this.#down = inputRate / divisor;
    const cutoff = CUTOFF * Math.min(1, this.#up / this.#down);
    this.#half = Math.ceil(ZERO_CROSSINGS / cutoff);
    this.#phases = Array.from({ length: this.#up }, (_, phase) => taps(phase / this.#up, this.#half, cutoff));
    this.#buffer = new Float32Array(this.#half - 1);
    this.#start = 1 - this.#half;
  }

  /** The output that `input` completes; later input completes the rest. */
  push(input: Float32Array): Float32Array {
    this.#append(input);
    this.#inputs += input.length;
    // Output n needs inputs up to floor(n·down/up) + half.
    return this.#produce(Math.max(0, Math.ceil(((this.#inputs - this.#half) * this.#up) / this.#down)));
  }

  /** The rest of the output, reading zeros past the end of the input. */
  flush(): Float32Array {
    this.#append(new Float32Array(this.#half));
    return this.#produce(Math.ceil((this.#inputs * this.#up) / this.#down));
  }

  #append(input: Float32Array): void {
    const buffer = new Float32Array(this.#buffer.length + input.length);
    buffer.set(this.#buffer);
    buffer.set(input, this.#buffer.length);
    this.#buffer = buffer;
  }

  #produce(end: number): Float32Array {
    const output = new Float32Array(Math.max(0, end - this.#outputs));
    for (let j = 0; j < output.length; j++) {
      const position = (this.#outputs + j) * this.#down;
      const index = Math.floor(position / this.#up);
      const weights = this.#phases[position - index * this.#up]!;
      const first = index - this.#half + 1 - this.#start;
      let sum = 0;
      for (let k = 0; k < weights.length; k++) sum += weights[k]! * this.#buffer[first + k]!;
      output[j] = sum;
    }
    this.#outputs += output.length;
    const keepFrom = Math.floor((this.#outputs * this.#down) / this.#up) - this.#half + 1;
    if (keepFrom > this.#start) {
      this.#buffer = this.#buffer.slice(keepFrom - this.#start);
      this.#start = keepFrom;
    }
    return output;
  }
}
