import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { AudioDecodeError } from '../../src/audio/errors.js';
import { ModelResolutionError, modelNotFound } from '../../src/engine/ModelResolver.js';
import { OvSpeechError } from '../../src/errors.js';
import { INTERNAL_MESSAGE, toApiError } from '../../src/http/errors.js';

describe('http errors: mapping to OpenAI-shaped responses', () => {
  it('a fault inside the server is a 500 that says nothing of its internals', () => {
    for (const error of [
      new Error('ENOENT: /opt/models/secret/openvino_model.bin'),
      new OvSpeechError('infer request failed at node 42', 'INTERNAL'),
      'a string',
    ]) {
      const api = toApiError(error);
      assert.equal(api.status, 500);
      assert.deepEqual(api.body(), { error: { message: INTERNAL_MESSAGE, type: 'server_error', param: null, code: 'internal' } });
    }
  });

  it('maps each error code to its status; undecodable audio is 422; overload asks to retry', () => {
    assert.equal(toApiError(new OvSpeechError('bad', 'INVALID_ARGUMENT', { param: 'speed' })).status, 400);
    assert.equal(toApiError(new OvSpeechError('bad', 'INVALID_ARGUMENT', { param: 'speed' })).param, 'speed');
    assert.equal(toApiError(new AudioDecodeError('The file is empty')).status, 422);
    const overloaded = toApiError(new OvSpeechError("the model's queue is full", 'OVERLOADED'));
    assert.equal(overloaded.status, 503);
    assert.deepEqual(overloaded.headers, { 'Retry-After': '1' });
    const unloaded = toApiError(new OvSpeechError('the model is being unloaded or is not loaded; retry', 'UNAVAILABLE'));
    assert.equal(unloaded.status, 503);
    assert.deepEqual(unloaded.headers, { 'Retry-After': '1' });
    assert.deepEqual(unloaded.body(), {
      error: { message: 'the model is being unloaded or is not loaded; retry', type: 'server_error', param: null, code: 'unavailable' },
    });
    assert.equal(toApiError(new OvSpeechError('The request was aborted', 'CANCELLED')).status, 499);
  });

  it("a model that cannot serve a request is reported by its problem, on the parameter 'model'", () => {
    const cases: [ModelResolutionError, number, string, Record<string, string>][] = [
      [modelNotFound('voices/x'), 404, 'invalid_request_error', {}],
      [
        new ModelResolutionError("The model 'm' is still loading; try again shortly", 'UNAVAILABLE', 'model_loading', 5),
        503,
        'server_error',
        { 'Retry-After': '5' },
      ],
      [new ModelResolutionError("The model 'm' failed to load (INTERNAL); see /health", 'UNAVAILABLE', 'model_unavailable'), 503, 'server_error', {}],
      [
        new ModelResolutionError("The model 'm' is a speech model, not a transcription model", 'INVALID_ARGUMENT', 'model_not_supported'),
        400,
        'invalid_request_error',
        {},
      ],
    ];
    for (const [error, status, type, headers] of cases) {
      const api = toApiError(error);
      assert.deepEqual([api.status, api.headers], [status, headers]);
      assert.deepEqual(api.body(), { error: { message: error.message, type, param: 'model', code: error.problem } });
    }
    assert.equal(modelNotFound('voices/x').message, "The model 'voices/x' does not exist");
  });
});
