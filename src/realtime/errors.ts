/** A client event the session refuses: sent back as an OpenAI `error` event, and the session goes on. */
export class RealtimeError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly param: string | null = null,
  ) {
    super(message);
    this.name = 'RealtimeError';
  }
}
