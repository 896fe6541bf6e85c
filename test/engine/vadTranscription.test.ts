import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { chunkAudio, groupSpans, toInputTime } from '../../src/engine/vadTranscription.js';
import { AUTO_CHUNKING, resolveChunking } from '../../src/http/schemas/transcription.js';

describe('transcription cut at speech: chunks and times', () => {
  const spans = [
    { start: 1, end: 11 },
    { start: 15, end: 30 },
    { start: 40, end: 48 },
    { start: 50, end: 52 },
  ];

  it('groups consecutive spans while their speech and the gaps between them fit in one 30 s window', () => {
    assert.deepEqual(
      groupSpans(spans).map((chunk) => chunk.spans),
      [spans.slice(0, 2), spans.slice(2)],
    );
    assert.deepEqual(groupSpans([]), []);
    // 8 s and 2 s of speech with the gap between them are more than 10 s.
    assert.deepEqual(
      groupSpans(spans, 10).map((chunk) => chunk.spans.length),
      [1, 1, 1, 1],
    );
    assert.deepEqual(
      groupSpans(spans, 10.5).map((chunk) => chunk.spans.length),
      [1, 1, 2],
    );
  });

  it('maps a time in a chunk back to the input: a span in its place, a time in the gap to the span it belongs to', () => {
    const [chunk] = groupSpans(spans);
    // In the chunk: the first span over [0, 10), the gap over [10, 10.5), the second span over [10.5, 25.5).
    const at = (seconds: number, isEnd: boolean, slack = 0) => toInputTime(chunk!, seconds, isEnd, 16000, slack);
    assert.equal(at(0, false), 1);
    assert.equal(at(4.5, false), 5.5);
    assert.equal(at(10, true), 11);
    assert.equal(at(10, false), 15);
    assert.equal(at(10.2, false), 15);
    assert.equal(at(10.2, true), 11);
    assert.equal(at(12, true), 16.5);
    // Past the last span's audio (Whisper's last timestamp may round up): in the last span's time.
    assert.equal(at(26, true), 30.5);
    // With 0.3 s of padding at the spans' ends: a start in the padding that ends a span is the next one's,
    // an end in the padding that begins a span is the previous one's.
    assert.equal(at(9.8, false, 0.3), 15);
    assert.equal(at(9.6, false, 0.3), 10.6);
    assert.equal(at(10.7, true, 0.3), 11);
    assert.equal(at(10.9, true, 0.3), 15.4);
  });

  it("joins a chunk's spans from the input's interleaved samples, with silence between them", () => {
    const samples = Float32Array.from({ length: 20 }, (_, i) => i + 1);
    const audio = chunkAudio(
      { samples, sampleRate: 2, channels: 2 },
      {
        spans: [
          { start: 0.5, end: 1.5 },
          { start: 3, end: 4 },
        ],
      },
    );
    // Half a second of silence is one frame at 2 Hz, two samples in stereo.
    assert.deepEqual([...audio.samples], [3, 4, 5, 6, 0, 0, 13, 14, 15, 16]);
    assert.equal(audio.sampleRate, 2);
    assert.equal(audio.channels, 2);
  });

  it("takes the request's chunking over the server's default", () => {
    const serverVad = { vad: { threshold: 0.6, speechPadMs: 300, minSilenceMs: 200 } };
    assert.equal(resolveChunking(undefined, 'none'), 'none');
    assert.deepEqual(resolveChunking(undefined, 'auto'), { vad: AUTO_CHUNKING });
    assert.equal(resolveChunking('none', 'auto'), 'none');
    assert.deepEqual(resolveChunking(serverVad, 'none'), serverVad);
    assert.deepEqual(resolveChunking({ intervalSeconds: 10 }, 'auto'), { intervalSeconds: 10 });
  });
});
