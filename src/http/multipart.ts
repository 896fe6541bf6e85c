import busboy from 'busboy';
import type { Context } from 'koa';

import { ApiError, tooLarge, unsupportedMediaType } from './errors.js';

export interface UploadedFile {
  bytes: Buffer;
  filename: string;
  contentType: string;
}

export interface MultipartForm {
  /** Text fields by name; a name sent several times (`include[]`) keeps every value in order. */
  fields: Map<string, string[]>;
  file: UploadedFile | undefined;
}

export interface MultipartLimits {
  /** Largest `file` part accepted. */
  maxFileBytes: number;
}

const MAX_FIELDS = 64;
const MAX_FIELD_BYTES = 256 * 1024;

/**
 * Reads a multipart/form-data body into memory: its text fields and the one `file` part. A file over
 * the limit is refused with 413 once the body is read (so the client sees the answer rather than a
 * reset connection); a body far beyond the limit is cut off.
 */
export async function readMultipartForm(ctx: Context, limits: MultipartLimits): Promise<MultipartForm> {
  const contentType = ctx.get('content-type');
  if (!ctx.is('multipart/form-data')) throw unsupportedMediaType('multipart/form-data', contentType);
  const uploadTooLarge = () => tooLarge('The uploaded file', limits.maxFileBytes, 'file_too_large', 'file');
  const declared = Number(ctx.get('content-length'));
  // Multipart framing and fields add far less than this on top of the file.
  const hopeless = limits.maxFileBytes * 2 + 1024 * 1024;
  if (declared > hopeless) {
    ctx.set('Connection', 'close');
    throw uploadTooLarge();
  }

  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: ctx.req.headers,
      limits: { fileSize: limits.maxFileBytes, fields: MAX_FIELDS, fieldSize: MAX_FIELD_BYTES, files: 1, parts: MAX_FIELDS + 1 },
    });
  } catch (cause) {
    throw new ApiError(400, `The multipart body cannot be read: ${(cause as Error).message}`, 'invalid_request_error', 'invalid_multipart');
  }

  const fields = new Map<string, string[]>();
  let file: UploadedFile | undefined;
  let failure: ApiError | undefined;
  const fail = (error: ApiError) => {
    failure ??= error;
  };
  const unreadable = (cause: Error) =>
    new ApiError(400, `The multipart body cannot be read: ${cause.message}`, 'invalid_request_error', 'invalid_multipart');
  const request = ctx.req;
  let received = 0;

  // Settles once: the first error wins, and whatever busboy or the request emits later finds no one waiting.
  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const settle = (error?: ApiError) => {
      if (settled) return;
      settled = true;
      request.off('data', onData);
      request.off('aborted', onAborted);
      request.off('error', onRequestError);
      if (error === undefined) {
        resolve();
        return;
      }
      request.unpipe(parser);
      // The rest of the body is discarded so the connection can carry the next request; a body that is
      // too large is not read on, the connection closes after the answer instead.
      if (error.status === 413) ctx.set('Connection', 'close');
      else request.resume();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > hopeless) settle(uploadTooLarge());
    };
    const onAborted = () => settle(new ApiError(400, 'The client closed the connection during the upload', 'invalid_request_error', 'aborted'));
    const onRequestError = (cause: Error) => settle(unreadable(cause));

    // Busboy gives a part whose Content-Disposition has no name the name undefined, whatever its types say.
    const unnamed = (name: string | undefined) => {
      if (name !== undefined) return false;
      fail(
        new ApiError(400, 'A part of the multipart body has no name in its Content-Disposition header', 'invalid_request_error', 'invalid_multipart'),
      );
      return true;
    };

    parser.on('field', (name, value, info) => {
      if (unnamed(name)) return;
      if (info.valueTruncated)
        fail(new ApiError(400, `The field ${name} is longer than ${MAX_FIELD_BYTES} bytes`, 'invalid_request_error', 'field_too_long', name));
      fields.set(name, [...(fields.get(name) ?? []), value]);
    });
    parser.on('file', (name, stream, info) => {
      // Busboy destroys the part's stream with an error when the body ends inside it.
      stream.on('error', (cause: Error) => settle(unreadable(cause)));
      if (unnamed(name)) {
        stream.resume();
        return;
      }
      if (name !== 'file') {
        fail(
          new ApiError(400, `Unexpected file field "${name}"; the audio goes in the field "file"`, 'invalid_request_error', 'invalid_value', name),
        );
        stream.resume();
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => fail(uploadTooLarge()));
      stream.on('end', () => {
        file = { bytes: Buffer.concat(chunks), filename: info.filename ?? '', contentType: info.mimeType ?? '' };
      });
    });
    parser.on('filesLimit', () => fail(new ApiError(400, 'Only one file may be uploaded', 'invalid_request_error', 'invalid_value', 'file')));
    parser.on('fieldsLimit', () =>
      fail(new ApiError(400, `At most ${MAX_FIELDS} form fields are accepted`, 'invalid_request_error', 'invalid_value')),
    );
    parser.on('error', (cause: Error) => settle(unreadable(cause)));
    parser.on('close', () => settle());
    request.on('data', onData);
    request.on('aborted', onAborted);
    request.on('error', onRequestError);
    request.pipe(parser);
  });
  if (failure) throw failure;
  return { fields, file };
}
