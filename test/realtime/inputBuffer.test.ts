import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { InputBuffer } from '../../src/realtime/inputBuffer.js';

describe('realtime: the input audio buffer', () => {
  it('slices and drops by position from the start of the session, across appended pieces', () => {
    const buffer = new InputBuffer();
    buffer.append(Float32Array.from([0, 1, 2]));
    buffer.append(Float32Array.from([3, 4]));
    buffer.append(Float32Array.from([5, 6, 7, 8]));
    assert.deepEqual([buffer.start, buffer.end, buffer.length], [0, 9, 9]);
    assert.deepEqual([...buffer.slice(2, 6)], [2, 3, 4, 5]);
    buffer.dropBefore(4);
    assert.deepEqual([buffer.start, buffer.length], [4, 5]);
    // Clamped to what is left.
    assert.deepEqual([...buffer.slice(0, 6)], [4, 5]);
    buffer.append(Float32Array.from([9]));
    assert.deepEqual([...buffer.slice(4, 100)], [4, 5, 6, 7, 8, 9]);
    buffer.dropBefore(2);
    assert.equal(buffer.start, 4);
    buffer.clear();
    assert.deepEqual([buffer.start, buffer.end, buffer.length], [10, 10, 0]);
    assert.deepEqual([...buffer.slice(0, 20)], []);
  });
});
