/** The data of one event block: its `data:` lines joined by line breaks; undefined when it has none. */
function eventData(block: string): string | undefined {
  const lines = block
    .split('\n')
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5));
  return lines.length === 0 ? undefined : lines.join('\n');
}

/**
 * The data of each event of a text/event-stream, as the events complete, until OpenAI's `[DONE]` or the
 * end of the stream. Comments, `event:` and `id:` lines are passed over; a last event without its blank
 * line still counts, as some servers end that way.
 */
export async function* sseData(text: AsyncIterable<string>): AsyncGenerator<string> {
  let buffer = '';
  for await (const piece of text) {
    buffer += piece;
    // A final "\r" may be the first half of "\r\n": it waits for the next piece.
    const complete = buffer.endsWith('\r') ? buffer.length - 1 : buffer.length;
    const normalized = buffer.slice(0, complete).replace(/\r\n?/g, '\n');
    const blocks = normalized.split('\n\n');
    buffer = blocks.pop()! + buffer.slice(complete);
    for (const block of blocks) {
      const data = eventData(block);
      if (data === '[DONE]') return;
      if (data !== undefined) yield data;
    }
  }
  const data = eventData(buffer.replace(/\r\n?/g, '\n'));
  if (data !== undefined && data !== '[DONE]') yield data;
}

/** A response's body as text, as it arrives. */
export async function* responseText(response: Response): AsyncGenerator<string> {
  if (response.body === null) return;
  const decoder = new TextDecoder();
  for await (const bytes of response.body) yield decoder.decode(bytes, { stream: true });
  const rest = decoder.decode();
  if (rest !== '') yield rest;
}
