/**
 * Where a sentence ends: a run of terminal punctuation (with closing quotes or brackets) before white
 * space, a CJK full stop (CJK text puts no space after it), or a line break. "3.5" and "e.g.x" do not end one.
 */
const SENTENCE_END = /[.!?…]+["'”’)\]]*\s|[。！？]+|\n/;

/**
 * Cuts text that arrives in pieces into sentences as soon as each one is complete. The sentences
 * concatenate to the text exactly (white space stays with the sentence before it), so transcripts sent
 * sentence by sentence add up to the whole reply. None is longer than `maxCharacters`: a longer run
 * without an end is cut at its last white space.
 */
export class SentenceSplitter {
  #buffer = '';

  constructor(private readonly maxCharacters: number) {}

  /** The sentences the new text completes. */
  push(text: string): string[] {
    this.#buffer += text;
    return this.#take(false);
  }

  /** What is left once the text is over, as sentences. */
  flush(): string[] {
    return this.#take(true);
  }

  #take(final: boolean): string[] {
    const sentences: string[] = [];
    for (let end = this.#nextEnd(final); end > 0; end = this.#nextEnd(final)) {
      sentences.push(this.#buffer.slice(0, end));
      this.#buffer = this.#buffer.slice(end);
    }
    return sentences;
  }

  /** Length of the first complete sentence in the buffer; 0 when there is none yet. */
  #nextEnd(final: boolean): number {
    const match = SENTENCE_END.exec(this.#buffer);
    const end = match === null ? (final ? this.#buffer.length : 0) : match.index + match[0].length;
    // Lengths in UTF-16 units are at least the characters the engine counts, so the limit holds.
    if (end <= this.maxCharacters && (end > 0 || this.#buffer.length <= this.maxCharacters)) return end;
    return this.#cut();
  }

  /** Where a run too long for one sentence is cut: after its last white space, else at the limit. */
  #cut(): number {
    const head = this.#buffer.slice(0, this.maxCharacters);
    const space = Math.max(head.lastIndexOf(' '), head.lastIndexOf('\n'), head.lastIndexOf('\t'));
    if (space >= 0) return space + 1;
    // Never between the two halves of a surrogate pair.
    const last = head.charCodeAt(head.length - 1);
    return last >= 0xd800 && last <= 0xdbff && head.length > 1 ? head.length - 1 : head.length;
  }
}
