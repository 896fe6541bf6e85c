/**
 * Float samples as s16le: scaled by 32768, rounded half to even and clipped to [-32768, 32767], exactly as
 * ffmpeg converts float to 16-bit. So wav, pcm and flac carry the same samples, and 16-bit audio read as
 * x / 32768 comes back unchanged.
 */
export function pcm16(samples: Float32Array): Buffer {
  const bytes = Buffer.allocUnsafe(samples.length * 2);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let i = 0; i < samples.length; i++) {
    const scaled = samples[i]! * 32768;
    let rounded = Math.round(scaled);
    if (rounded - scaled === 0.5 && rounded % 2 !== 0) rounded -= 1; // Math.round takes halves up
    view.setInt16(2 * i, rounded > 32767 ? 32767 : rounded < -32768 ? -32768 : rounded, true);
  }
  return bytes;
}

/**
 * Float samples as f32le, copied: the caller may reuse its array while the bytes wait in a pipe. NaN goes
 * out as silence and infinities as full scale, as pcm16 writes them: ffmpeg's aac encoder refuses them and
 * LAME aborts on them.
 */
export function float32le(samples: Float32Array): Buffer {
  const bytes = Buffer.allocUnsafe(samples.length * 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let i = 0; i < samples.length; i++) {
    const sample = samples[i]!;
    view.setFloat32(4 * i, Number.isFinite(sample) ? sample : Number.isNaN(sample) ? 0 : Math.sign(sample), true);
  }
  return bytes;
}
