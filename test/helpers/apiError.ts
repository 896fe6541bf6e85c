import assert from 'node:assert/strict';

import OpenAI from 'openai';

/** The APIError the openai client fails with, checked to carry an OpenAI-shaped error body. */
export async function apiError(call: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof OpenAI.APIError, `expected an APIError, got ${String(error)}`);
    const body = error.error as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), ['code', 'message', 'param', 'type']);
    assert.equal(typeof body.message, 'string');
    return error;
  }
  assert.fail('the call succeeded');
}
