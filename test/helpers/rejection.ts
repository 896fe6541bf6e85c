import assert from 'node:assert/strict';

import { OvSpeechError } from '../../src/errors.js';

/** The OvSpeechError a promise rejects with; fails the test if it resolves or rejects with anything else. */
export async function rejection(promise: Promise<unknown>): Promise<OvSpeechError> {
  const error = await promise.then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof OvSpeechError, `expected OvSpeechError, got ${String(error)}`);
  return error;
}
