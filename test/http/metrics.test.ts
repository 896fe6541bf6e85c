import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { toFile } from 'openai';

import { BATCHED_WORKERS } from '../../src/engine/WhisperEngine.js';
import { type ApiServer, startApiServer } from '../helpers/apiServer.js';
import { fixtures } from '../helpers/audio.js';

/** Sample lines of the Prometheus text format, by metric name with labels. */
function samples(text: string): Map<string, number> {
  const lines = text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
  return new Map(lines.map((line) => [line.slice(0, line.lastIndexOf(' ')), Number(line.slice(line.lastIndexOf(' ') + 1))]));
}

describe('http: /metrics', () => {
  let api: ApiServer;
  before(async () => {
    api = await startApiServer();
  });
  after(() => api.server.close());

  it('counts requests, audio in and out, real-time factor, uploads and the state of each model pool', async () => {
    const wav = readFileSync(path.join(fixtures, 'audio', 'en_5s.wav'));
    await api.client.audio.transcriptions.create({ file: await toFile(wav, 'a.wav'), model: 'whisper-1' });
    await api.client.audio.transcriptions.create({ file: await toFile(wav, 'a.wav'), model: 'nope' }).catch(() => undefined);
    const speech = await api.client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'Hello there.', response_format: 'wav' });
    const seconds = (Buffer.from(await speech.arrayBuffer()).length - 44) / 2 / 16000;

    const response = await fetch(`${api.server.url}/metrics`);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const metrics = samples(await response.text());
    const at = (key: string) => metrics.get(key);
    assert.equal(at('ovspeech_http_requests_total{method="POST",route="/v1/audio/transcriptions",status="200"}'), 1);
    assert.equal(at('ovspeech_http_requests_total{method="POST",route="/v1/audio/transcriptions",status="404"}'), 1);
    assert.equal(at('ovspeech_http_requests_total{method="POST",route="/v1/audio/speech",status="200"}'), 1);
    assert.equal(at('ovspeech_http_request_duration_seconds_count{method="POST",route="/v1/audio/speech"}'), 1);
    assert.equal(at('ovspeech_audio_input_seconds_total{model="openai/whisper-tiny"}'), 5);
    assert.ok(Math.abs((at('ovspeech_audio_output_seconds_total{model="microsoft/speecht5_tts"}') ?? 0) - seconds) < 1e-6);
    assert.equal(at('ovspeech_real_time_factor_count{model="openai/whisper-tiny"}'), 1);
    assert.equal(at('ovspeech_real_time_factor_count{model="microsoft/speecht5_tts"}'), 1);
    assert.equal(at('ovspeech_upload_bytes_count{route="/v1/audio/transcriptions"}'), 2);
    assert.equal(at('ovspeech_upload_bytes_sum{route="/v1/audio/transcriptions"}'), 2 * wav.length);
    for (const model of ['openai/whisper-tiny', 'microsoft/speecht5_tts']) {
      assert.equal(at(`ovspeech_model_queue_depth{model="${model}"}`), 0);
      assert.equal(at(`ovspeech_model_running_jobs{model="${model}"}`), 0);
    }
    // Each engine's default: a Whisper model's workers are batched, a speech model has one.
    assert.equal(at('ovspeech_model_workers{model="openai/whisper-tiny"}'), BATCHED_WORKERS);
    assert.equal(at('ovspeech_model_workers{model="microsoft/speecht5_tts"}'), 1);
    assert.ok((at('ovspeech_process_resident_memory_bytes') ?? 0) > 0);
  });
});
