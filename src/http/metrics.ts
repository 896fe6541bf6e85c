import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

import type { ModelRegistry } from '../engine/ModelRegistry.js';
import type { Speech } from '../engine/SpeechEngine.js';
import type { Transcription } from '../engine/WhisperEngine.js';
import type { PoolStats } from '../native/AddonTypes.js';

const SECONDS_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const RTF_BUCKETS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 5];
const BYTES_BUCKETS = [16e3, 64e3, 256e3, 1e6, 4e6, 16e6, 64e6];

/** The server's Prometheus metrics, on a registry of its own (several servers can share a process). */
export class HttpMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'ovspeech_http_requests_total',
    help: 'HTTP requests answered, by route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'ovspeech_http_request_duration_seconds',
    help: 'Time to answer a request (a streamed response: until its last byte)',
    labelNames: ['method', 'route'],
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  readonly uploadBytes = new Histogram({
    name: 'ovspeech_upload_bytes',
    help: 'Size of uploaded audio files',
    labelNames: ['route'],
    buckets: BYTES_BUCKETS,
    registers: [this.registry],
  });
  readonly audioIn = new Counter({
    name: 'ovspeech_audio_input_seconds_total',
    help: 'Seconds of audio transcribed or translated',
    labelNames: ['model'],
    registers: [this.registry],
  });
  readonly audioOut = new Counter({
    name: 'ovspeech_audio_output_seconds_total',
    help: 'Seconds of speech synthesized',
    labelNames: ['model'],
    registers: [this.registry],
  });
  readonly cancelled = new Counter({
    name: 'ovspeech_jobs_cancelled_total',
    help: 'Jobs cancelled while running, because the client went away or the request timed out',
    labelNames: ['model', 'reason'],
    registers: [this.registry],
  });
  readonly realtimeAudio = new Counter({
    name: 'ovspeech_realtime_audio_seconds_total',
    help: 'Seconds of audio appended to realtime sessions',
    registers: [this.registry],
  });
  readonly realtimeVadFrames = new Counter({
    name: 'ovspeech_realtime_vad_frames_total',
    help: '32 ms frames of realtime audio scored by the voice activity detector',
    registers: [this.registry],
  });
  readonly realtimeSpeechFrames = new Counter({
    name: 'ovspeech_realtime_speech_frames_total',
    help: 'Of those frames, the ones at or above the speech threshold',
    registers: [this.registry],
  });
  readonly realtimeTurnLatency = new Histogram({
    name: 'ovspeech_realtime_turn_latency_seconds',
    help: "Time from a realtime turn's commit to its completed transcript",
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  readonly realtimeEarlyTurns = new Counter({
    name: 'ovspeech_realtime_early_turns_total',
    help: 'Realtime turns transcribed early, during a pause: used when the pause ended the turn, cancelled when speech resumed',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly realTimeFactor = new Histogram({
    name: 'ovspeech_real_time_factor',
    help: 'Processing time over audio duration of each request (below 1 is faster than real time)',
    labelNames: ['model'],
    buckets: RTF_BUCKETS,
    registers: [this.registry],
  });

  constructor(models: ModelRegistry, realtimeSessions: () => number = () => 0) {
    collectDefaultMetrics({ register: this.registry, prefix: 'ovspeech_' });
    new Gauge({
      name: 'ovspeech_realtime_sessions',
      help: 'Realtime sessions open',
      registers: [this.registry],
      collect() {
        this.set(realtimeSessions());
      },
    });
    const registry = this.registry;
    const poolGauge = (name: string, help: string, read: (stats: PoolStats) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['model'],
        registers: [registry],
        collect() {
          this.reset();
          for (const entry of models.list()) {
            if (entry.loaded) this.set({ model: entry.id }, read(entry.loaded.engine.stats()));
          }
        },
      });
    poolGauge('ovspeech_model_queue_depth', 'Requests waiting for a worker of the model', (stats) => stats.queued);
    poolGauge(
      'ovspeech_model_running_jobs',
      "Requests running at once on the model's workers (one per worker; a Whisper model batches its workers' decoder steps)",
      (stats) => stats.running,
    );
    poolGauge('ovspeech_model_workers', 'Native workers of the model', (stats) => stats.workers);
  }

  recordTranscription(model: string, result: Transcription): void {
    this.audioIn.inc({ model }, result.duration);
    if (result.duration > 0) this.realTimeFactor.observe({ model }, result.timings.totalMs / 1000 / result.duration);
  }

  recordSpeech(model: string, speech: Speech): void {
    this.audioOut.inc({ model }, speech.duration);
    if (speech.duration > 0) this.realTimeFactor.observe({ model }, speech.realTimeFactor);
  }
}
