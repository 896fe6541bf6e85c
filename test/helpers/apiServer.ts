import path from 'node:path';

import OpenAI from 'openai';

import type { ServerConfig } from '../../src/config/config.js';
import type { RunningServer } from '../../src/http/server.js';
import { linkFixtureModel, tempDir } from './irFolder.js';
import { startTestServer, waitForModels } from './server.js';

export interface ApiServer {
  server: RunningServer;
  /** The official client, pointed at the server's /v1, without retries (a retry would hide a failure). */
  client: OpenAI;
}

/** A running server with the tiny Whisper as openai/whisper-tiny and the tiny SpeechT5 as microsoft/speecht5_tts. */
export async function startApiServer(overrides: Partial<ServerConfig> = {}, apiKey = 'unused'): Promise<ApiServer> {
  const models = tempDir('api');
  linkFixtureModel('tiny-whisper', path.join(models, 'openai', 'whisper-tiny'));
  linkFixtureModel('tiny-speecht5', path.join(models, 'microsoft', 'speecht5_tts'));
  const server = await startTestServer(models, overrides);
  await waitForModels(server);
  return { server, client: new OpenAI({ baseURL: `${server.url}/v1`, apiKey, maxRetries: 0 }) };
}
