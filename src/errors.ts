/** The one error vocabulary shared with the addon (native/common/error.h). */
export const ERROR_CODES = [
  'INVALID_ARGUMENT',
  'UNSUPPORTED_MODEL',
  'MODEL_NOT_FOUND',
  'CANCELLED',
  'OVERLOADED',
  /** The model is being unloaded or is not loaded: the server's doing, so retry; CANCELLED is the client's. */
  'UNAVAILABLE',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Every error the engines and the addon raise; branch on `code`, never on the message. */
export class OvSpeechError extends Error {
  readonly code: ErrorCode;
  /** The request parameter at fault, when there is one. */
  readonly param: string | undefined;

  constructor(message: string, code: ErrorCode, options?: ErrorOptions & { param?: string }) {
    super(message, options);
    this.name = 'OvSpeechError';
    this.code = code;
    this.param = options?.param;
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return `"${value}" of type string`;
  if (typeof value === 'object') return `${Array.isArray(value) ? 'array' : 'object'}`;
  return `${String(value)} of type ${typeof value}`;
}

/** `Expected integer between 0 and 65535 for port but received "abc" of type string`. */
export function invalidParameter(expected: string, param: string, received: unknown): OvSpeechError {
  return new OvSpeechError(`Expected ${expected} for ${param} but received ${describe(received)}`, 'INVALID_ARGUMENT', {
    param,
  });
}
