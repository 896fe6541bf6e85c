import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { readWavLayout, wavSamples } from '../../src/audio/wav.js';
import { WhisperEngine } from '../../src/engine/WhisperEngine.js';
import { type ApiServer, startApiServer } from '../helpers/apiServer.js';
import { fixtures, loadAudioFile, loadClip } from '../helpers/audio.js';
import { tempDir } from '../helpers/irFolder.js';
import { probeAudio } from '../helpers/probe.js';

/**
 * The documented client examples of the servers ovspeech replaces, run as their users run them: the
 * Python `openai` client (pinned in test/python-requirements.txt, installed into .venv by `pretest`) and
 * curl, in child processes, against a real server. Only the base URL is changed, and a model name where
 * the example names a deployment's own model.
 */

const execFileAsync = promisify(execFile);
const python = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '.venv', 'bin', 'python');
const CHILD_TIMEOUT_MS = 120_000;

/** Runs `args` in `cwd` without blocking the event loop (the server under test lives in this process). */
async function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  try {
    const { stdout } = await execFileAsync(command, args, { cwd, env: { ...process.env, ...env }, timeout: CHILD_TIMEOUT_MS, maxBuffer: 1 << 26 });
    return stdout;
  } catch (error) {
    const failed = error as Error & { stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${failed.message}\n${failed.stderr ?? ''}`);
  }
}

/** Writes a documented Python example, with its base URL replaced, and runs it with the project's venv. */
async function runPython(
  dir: string,
  name: string,
  source: string,
  baseUrl: [documented: string, ours: string],
  env: NodeJS.ProcessEnv = {},
): Promise<string> {
  assert.ok(source.includes(baseUrl[0]), `${name} has no ${baseUrl[0]} to replace`);
  const file = path.join(dir, name);
  writeFileSync(file, source.replaceAll(baseUrl[0], baseUrl[1]));
  return run(python, [file], dir, env);
}

/**
 * A speech WAV as the model makes it: 16 kHz mono s16 that ffmpeg decodes whole, and not silent (the
 * random tiny model's length for a text is arbitrary, so only that there is audio is asserted).
 */
function assertSpeechWav(bytes: Buffer, label: string): void {
  const probed = probeAudio(bytes, 'wav');
  assert.deepEqual([probed.codec, probed.sampleRate, probed.channels], ['pcm_s16le', 16000, 1], label);
  const samples = wavSamples(bytes, readWavLayout(bytes));
  assert.ok(samples.length > 0, `${label}: no samples`);
  assert.equal(Math.round(probed.duration * 16000), samples.length, `${label}: ffmpeg decodes every sample`);
  const rms = Math.sqrt(samples.reduce((sum, x) => sum + x * x, 0) / samples.length);
  assert.ok(rms > 1e-3, `${label}: RMS ${rms}`);
}

/** The byte offset of a top-level ISO-BMFF box, or -1. */
function boxOffset(bytes: Buffer, type: string): number {
  for (let offset = 0; offset + 8 <= bytes.length;) {
    const size = bytes.readUInt32BE(offset);
    if (bytes.toString('latin1', offset + 4, offset + 8) === type) return offset;
    if (size < 8) return -1;
    offset += size;
  }
  return -1;
}

describe('documented client examples of OVMS, h2oGPT and KubeAI run unchanged', () => {
  let api: ApiServer;
  let whisper: WhisperEngine;
  let dir: string;
  before(async () => {
    api = await startApiServer();
    whisper = await WhisperEngine.load(path.join(fixtures, 'models', 'tiny-whisper'));
    dir = tempDir('client-examples');
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await whisper.dispose();
    await api.server.close();
  });

  // https://docs.openvino.ai/nightly/model-server/ovms_demos_audio.html, "Unary call with OpenAi python library".
  const OVMS_PROMPT = 'The quick brown fox jumped over the lazy dog';
  const OVMS_PYTHON = `from pathlib import Path
from openai import OpenAI

prompt = "The quick brown fox jumped over the lazy dog"
filename = "speech.wav"
url="http://localhost:8000/v3"


speech_file_path = Path(__file__).parent / "speech.wav"
client = OpenAI(base_url=url, api_key="not_used")

with client.audio.speech.with_streaming_response.create(
  model="microsoft/speecht5_tts",
  voice="unused",
  input=prompt
) as response:
  response.stream_to_file(speech_file_path)


print("Generation finished")
`;

  it('OVMS\'s Python speech demo against /v3: voice "unused" is the model\'s default voice, and the file is a WAV', async () => {
    const out = await runPython(dir, 'ovms_speech.py', OVMS_PYTHON, ['http://localhost:8000/v3', `${api.server.url}/v3`]);
    assert.equal(out, 'Generation finished\n');
    const wav = readFileSync(path.join(dir, 'speech.wav'));
    assert.equal(wav.readUInt32LE(4), wav.length - 8, 'a whole file, with its true sizes');
    assertSpeechWav(wav, 'OVMS python');
  });

  it('OVMS\'s curl speech demo against /v3: no voice, no format, a WAV; the Python demo\'s "unused" voice was the default', async () => {
    // As documented, only the host changed.
    const body = `{"model": "microsoft/speecht5_tts", "input": "${OVMS_PROMPT}"}`;
    await run(
      'curl',
      ['-sS', '--fail-with-body', `${api.server.url}/v3/audio/speech`, '-H', 'Content-Type: application/json', '-d', body, '-o', 'ovms_speech.wav'],
      dir,
    );
    const wav = readFileSync(path.join(dir, 'ovms_speech.wav'));
    assertSpeechWav(wav, 'OVMS curl');
    // Same text, no voice: the default voice. Synthesis of a text is repeatable, so equal bytes mean the
    // Python demo's voice "unused" took the default voice too.
    assert.ok(wav.equals(readFileSync(path.join(dir, 'speech.wav'))), 'voice "unused" under /v3 is the default voice');
  });

  it("/v1 keeps OpenAI's behaviour for the same requests: mp3 by default, an unknown voice refused", async () => {
    const body = `{"model": "microsoft/speecht5_tts", "input": "${OVMS_PROMPT}"}`;
    await run(
      'curl',
      ['-sS', '--fail-with-body', `${api.server.url}/v1/audio/speech`, '-H', 'Content-Type: application/json', '-d', body, '-o', 'openai_speech.mp3'],
      dir,
    );
    assert.equal(probeAudio(readFileSync(path.join(dir, 'openai_speech.mp3')), 'mp3').codec, 'mp3');

    const refused = await fetch(`${api.server.url}/v1/audio/speech`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'microsoft/speecht5_tts', voice: 'unused', input: OVMS_PROMPT }),
    });
    assert.equal(refused.status, 400);
    const { error } = (await refused.json()) as { error: { message: string; param: string; code: string } };
    assert.deepEqual([error.param, error.code], ['voice', 'invalid_argument']);
    assert.match(error.message, /^unknown voice "unused"; this model has: /);
  });

  // https://github.com/h2oai/h2ogpt/blob/main/docs/README_CLIENT.md, "Text to Speech" and "Speech to Text".
  const H2OGPT_INPUT =
    'Good morning! The sun is shining brilliantly today, casting a warm, golden glow that promises a day full of possibility and joy. It’s the perfect moment to embrace new opportunities and make the most of every cheerful, sunlit hour. What can I do to help you make today absolutely wonderful?';
  const H2OGPT_SPEECH = `from openai import OpenAI
client = OpenAI(base_url='http://0.0.0.0:5000/v1')

with client.audio.speech.with_streaming_response.create(
        model="tts-1",
        voice="",
        extra_body=dict(stream=True,
                        chatbot_role="Female AI Assistant",
                        speaker="SLT (female)",
                        stream_strip=True,
                        ),
        response_format='wav',
        input="${H2OGPT_INPUT}",
) as response:
    response.stream_to_file("speech_local.wav")
`;
  const H2OGPT_TRANSCRIPTION = `from openai import OpenAI
client = OpenAI(base_url='http://0.0.0.0:5000/v1')

file = "speech.wav"
with open(file, "rb") as f:
    audio_file= f.read()
transcription = client.audio.transcriptions.create(
  model="whisper-1",
  file=audio_file
)
print(transcription.text)
`;
  const H2OGPT_URL = 'http://0.0.0.0:5000/v1';
  // h2oGPT's examples leave the key to the environment ("EMPTY if no key set on h2oGPT server").
  const H2OGPT_ENV = { OPENAI_API_KEY: 'EMPTY' };

  it("h2oGPT's Python speech example: streamed (stream=True in extra_body) WAV of the default voice", async () => {
    await runPython(dir, 'h2ogpt_speech.py', H2OGPT_SPEECH, [H2OGPT_URL, `${api.server.url}/v1`], H2OGPT_ENV);
    const wav = readFileSync(path.join(dir, 'speech_local.wav'));
    assert.equal(wav.readUInt32LE(4), 0xffffffff, 'streamed: RIFF size unknown');
    assertSpeechWav(wav, 'h2oGPT speech');
  });

  it("h2oGPT's Python transcription example: raw bytes as file give the engine's transcript", async () => {
    const expected = await whisper.transcribe(loadClip('en_5s.wav'));
    assert.ok(expected.text.trim().length > 0);
    copyFileSync(path.join(fixtures, 'audio', 'en_5s.wav'), path.join(dir, 'speech.wav'));
    const out = await runPython(dir, 'h2ogpt_transcription.py', H2OGPT_TRANSCRIPTION, [H2OGPT_URL, `${api.server.url}/v1`], H2OGPT_ENV);
    assert.equal(out, `${expected.text}\n`);
  });

  /** KubeAI's form (https://github.com/substratusai/kubeai/blob/main/docs/how-to/configure-speech-to-text.md), with this server's URL and model. */
  async function kubeAiTranscription(name: string): Promise<string> {
    const out = await run(
      'curl',
      [
        '-sS',
        '--fail-with-body',
        `${api.server.url}/v1/audio/transcriptions`,
        '-F',
        `file=@${name}`,
        '-F',
        'language=en',
        '-F',
        'model=openai/whisper-tiny',
      ],
      dir,
    );
    return (JSON.parse(out) as { text: string }).text;
  }

  /** A test-pattern video with en_5s.wav as its sound, encoded with `codecs`, as ffmpeg writes it by default. */
  const makeVideo = (name: string, codecs: string[]): string => {
    const video = path.join(dir, name);
    const clip = path.join(fixtures, 'audio', 'en_5s.wav');
    execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-i', clip, '-shortest', ...codecs, video]);
    return video;
  };

  it("KubeAI's transcription of an H.264 + AAC MP4 video with its moov atom at the end, as ffmpeg writes it", async () => {
    const video = makeVideo('kubeai.mp4', ['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac']);
    const bytes = readFileSync(video);
    assert.ok(boxOffset(bytes, 'moov') > boxOffset(bytes, 'mdat'), 'the moov atom follows the media');
    const expected = await whisper.transcribe(loadAudioFile(video), { language: 'en' });
    assert.ok(expected.text.trim().length > 0);
    assert.equal(await kubeAiTranscription('kubeai.mp4'), expected.text);
  });

  it('the same form with a WebM video (VP8 + Opus)', async () => {
    const video = makeVideo('kubeai.webm', ['-c:v', 'libvpx', '-c:a', 'libopus']);
    const expected = await whisper.transcribe(loadAudioFile(video), { language: 'en' });
    assert.ok(expected.text.trim().length > 0);
    assert.equal(await kubeAiTranscription('kubeai.webm'), expected.text);
  });
});
