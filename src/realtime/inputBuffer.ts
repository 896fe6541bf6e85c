/**
 * A session's input audio buffer, in samples counted from the start of the session's audio: appended at
 * its end, committed or dropped from its start.
 */
export class InputBuffer {
  #pieces: Float32Array[] = [];
  /** Where the buffered audio starts and ends. */
  #start = 0;
  #end = 0;

  get start(): number {
    return this.#start;
  }

  get end(): number {
    return this.#end;
  }

  get length(): number {
    return this.#end - this.#start;
  }

  append(samples: Float32Array): void {
    this.#pieces.push(samples);
    this.#end += samples.length;
  }

  /** The buffered samples from `from` to `to` (clamped to what is buffered). */
  slice(from: number, to: number): Float32Array {
    const begin = Math.max(from, this.#start);
    const end = Math.min(to, this.#end);
    const out = new Float32Array(Math.max(0, end - begin));
    let at = this.#start;
    for (const piece of this.#pieces) {
      const pieceEnd = at + piece.length;
      if (pieceEnd > begin && at < end) {
        const part = piece.subarray(Math.max(begin - at, 0), Math.min(end - at, piece.length));
        out.set(part, Math.max(at - begin, 0));
      }
      at = pieceEnd;
    }
    return out;
  }

  /** Drops the audio before `position` (all of it past the end). */
  dropBefore(position: number): void {
    const to = Math.min(position, this.#end);
    if (to <= this.#start) return;
    const kept = this.slice(to, this.#end);
    this.#pieces = kept.length > 0 ? [kept] : [];
    this.#start = to;
  }

  clear(): void {
    this.dropBefore(this.#end);
  }
}
