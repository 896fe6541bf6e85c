/**
 * The first output of a streamed job. Until it comes the request can still fail with a proper status;
 * after it, the status has gone out and a failure can only end the stream.
 */
export class FirstOutput {
  #arrive: () => void = () => {};
  readonly #arrived = new Promise<void>((resolve) => (this.#arrive = resolve));

  /** Marks the output; later calls do nothing. */
  readonly arrive = (): void => this.#arrive();

  /** Resolves at the first output, or rejects when `running` fails before any. */
  async wait(running: Promise<unknown>): Promise<void> {
    await Promise.race([this.#arrived, running]);
  }
}
