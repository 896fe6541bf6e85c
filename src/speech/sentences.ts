import { addon } from '../native/binding.js';

/**
 * Cuts text that arrives in pieces into sentences as soon as each one is complete, by the native splitter's
 * rules (native/tts/sentence_splitter.h, next_sentence_end), the ones /audio/speech splits its input by. The
 * sentences concatenate to the text exactly (white space stays with the sentence before it), so transcripts
 * sent sentence by sentence add up to the whole reply. A sentence longer than `maxCharacters` code points is
 * cut as the synthesizer cuts one: after a clause mark, else at white space, else between characters.
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
    for (
      let end = addon.nextSentenceEnd(this.#buffer, this.maxCharacters, final);
      end > 0;
      end = addon.nextSentenceEnd(this.#buffer, this.maxCharacters, final)
    ) {
      sentences.push(this.#buffer.slice(0, end));
      this.#buffer = this.#buffer.slice(end);
    }
    return sentences;
  }
}
