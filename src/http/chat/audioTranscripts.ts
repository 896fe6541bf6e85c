import { randomUUID } from 'node:crypto';

/** How long a reply's audio id can be sent back in a later turn, as OpenAI keeps it: an hour. */
const LIFETIME_SECONDS = 3600;
/** Enough for the conversations of an hour on one server; the oldest go first. */
const MAX_ENTRIES = 10_000;

export interface AudioIdentity {
  id: string;
  /** Unix time in seconds. */
  expiresAt: number;
}

/**
 * The transcripts of the audio replies given, by audio id. OpenAI's clients continue a conversation by
 * sending an assistant message as `{"audio": {"id": ...}}`; a text-only upstream needs its text instead.
 */
export class AudioTranscripts {
  readonly #entries = new Map<string, { transcript: string; expiresAt: number }>();

  /** An id for a reply's audio, OpenAI-style (`audio_...`), and when it expires. */
  issue(): AudioIdentity {
    return { id: `audio_${randomUUID().replaceAll('-', '')}`, expiresAt: Math.floor(Date.now() / 1000) + LIFETIME_SECONDS };
  }

  remember(audio: AudioIdentity, transcript: string): void {
    this.#dropExpired();
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(audio.id, { transcript, expiresAt: audio.expiresAt });
  }

  /** The transcript, or undefined for an id never issued, expired or pushed out. */
  transcript(id: string): string | undefined {
    const entry = this.#entries.get(id);
    return entry !== undefined && entry.expiresAt > Date.now() / 1000 ? entry.transcript : undefined;
  }

  /** Entries go in nearly in order of expiry: the expired ones are at the front (a straggler is never served). */
  #dropExpired(): void {
    const now = Date.now() / 1000;
    for (const [id, entry] of this.#entries) {
      if (entry.expiresAt > now) break;
      this.#entries.delete(id);
    }
  }
}
