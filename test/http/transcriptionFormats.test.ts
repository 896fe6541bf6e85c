import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { WhisperEngine, type Transcription } from '../../src/engine/WhisperEngine.js';
import { formatTranscription } from '../../src/http/schemas/transcriptionFormats.js';
import { fixtures, loadClip } from '../helpers/audio.js';
import { tempDir } from '../helpers/irFolder.js';

/** The cues ffmpeg reads from a subtitle file, as its own SRT rendering ("N\ntiming\ntext"). */
function cuesReadByFfmpeg(text: string, extension: 'srt' | 'vtt'): string[] {
  const file = path.join(tempDir('subtitles'), `cues.${extension}`);
  writeFileSync(file, text);
  const converted = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'srt', '-'], { encoding: 'utf8' });
  return converted
    .trim()
    .split(/\n\n+/)
    .filter((cue) => cue.trim() !== '');
}

describe('transcription response formats', () => {
  let engine: WhisperEngine;
  let longForm: Transcription;
  before(async () => {
    engine = await WhisperEngine.load(path.join(fixtures, 'models', 'tiny-whisper'));
    longForm = await engine.transcribe(loadClip('en_45s.flac'), { language: 'en', timestampGranularities: ['segment', 'word'] });
  });
  after(() => engine.dispose());

  it('writes json with duration usage, and plain text', () => {
    const json = formatTranscription('json', longForm, { task: 'transcribe', words: false, segments: false });
    assert.equal(json.type, 'application/json');
    assert.deepEqual(json.body, { text: longForm.text, usage: { type: 'duration', seconds: 45 } });
    const text = formatTranscription('text', longForm, { task: 'transcribe', words: false, segments: false });
    assert.equal(text.body, `${longForm.text.trim()}\n`);
  });

  it("writes verbose_json with OpenAI's segment and word fields", () => {
    const { body } = formatTranscription('verbose_json', longForm, { task: 'transcribe', words: true, segments: true });
    const verbose = body as Record<string, unknown> & { segments: Record<string, unknown>[]; words: Record<string, unknown>[] };
    assert.equal(verbose.task, 'transcribe');
    assert.equal(verbose.language, 'english');
    assert.equal(verbose.duration, 45);
    assert.equal(verbose.segments.length, longForm.segments.length);
    assert.deepEqual(Object.keys(verbose.segments[0]!), [
      'id',
      'seek',
      'start',
      'end',
      'text',
      'tokens',
      'temperature',
      'avg_logprob',
      'compression_ratio',
      'no_speech_prob',
    ]);
    assert.deepEqual(Object.keys(verbose.words[0]!), ['word', 'start', 'end']);
    assert.equal(verbose.words.length, longForm.words.length);
  });

  for (const kind of ['srt', 'vtt'] as const) {
    it(`writes ${kind} that ffmpeg reads cue for cue`, () => {
      const { type, body } = formatTranscription(kind, longForm, { task: 'transcribe', words: false, segments: true });
      assert.match(type, kind === 'srt' ? /^application\/x-subrip/ : /^text\/vtt/);
      const text = body as string;
      if (kind === 'vtt') assert.ok(text.startsWith('WEBVTT\n\n'));
      const expected = longForm.segments.filter((s) => s.text.trim() !== '').length;
      assert.ok(expected > 1);
      assert.equal(cuesReadByFfmpeg(text, kind).length, expected);
    });
  }

  it('keeps subtitle cues well-formed whatever the text holds', () => {
    const tricky: Transcription = {
      ...longForm,
      duration: 4,
      segments: [
        { ...longForm.segments[0]!, start: 0, end: 1.5, text: ' first line\n\nstill the first cue --> not a timing' },
        { ...longForm.segments[0]!, start: 1, end: 9, text: ' overlaps the first and runs past the audio' },
        { ...longForm.segments[0]!, start: 3, end: -1, text: '   ' },
      ],
    };
    const srt = formatTranscription('srt', tricky, { task: 'transcribe', words: false, segments: true }).body as string;
    assert.equal(
      srt,
      '1\n00:00:00,000 --> 00:00:01,500\nfirst line\nstill the first cue -> not a timing\n\n2\n00:00:01,500 --> 00:00:04,000\noverlaps the first and runs past the audio\n',
    );
    assert.equal(cuesReadByFfmpeg(srt, 'srt').length, 2);
  });
});
