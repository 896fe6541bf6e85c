import { Random } from './random.js';

/** One malformed request. `chunks` go out as separate writes; `chunked` leaves out Content-Length. */
export interface FuzzCase {
  id: number;
  description: string;
  path: string;
  contentType: string | undefined;
  chunks: Buffer[];
  chunked: boolean;
}

/** An upload of each format the server accepts, read at setup. */
export interface AudioClip {
  name: string;
  filename: string;
  contentType: string;
  bytes: Buffer;
  /** Set for headerless PCM: the sample_rate field it is sent with. */
  pcmSampleRate?: number;
}

type CaseSpec = Omit<FuzzCase, 'id' | 'chunked' | 'chunks'> & { body: Buffer | Buffer[]; chunked?: boolean };

const BOUNDARY = 'fuzzBoundary7MA4YWxk';
export const MULTIPART = `multipart/form-data; boundary=${BOUNDARY}`;
const API_PREFIXES = ['/v1', '/v3'];

/**
 * A language the model does not know. Upload cases send it so that the upload is read and decoded in
 * full, and the engine refuses the job before its costly decoding loop: the corpus aims at the reading of
 * bytes, and only every INFERENCE_EVERY-th audio case runs the whole transcription.
 */
const UNKNOWN_LANGUAGE = 'zz';
const INFERENCE_EVERY = 16;

export interface Part {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer | string;
}

export function multipart(parts: Part[], { boundary = BOUNDARY, closing = true } = {}): Buffer {
  const pieces: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename === undefined ? '' : `; filename="${part.filename}"`}`;
    const type = part.contentType === undefined ? '' : `Content-Type: ${part.contentType}\r\n`;
    pieces.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`), Buffer.from(part.data), Buffer.from('\r\n'));
  }
  if (closing) pieces.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(pieces);
}

function fileParts(clip: AudioClip, bytes: Buffer, extra: Part[] = []): Part[] {
  const parts: Part[] = [{ name: 'file', filename: clip.filename, contentType: clip.contentType, data: bytes }, ...extra];
  if (clip.pcmSampleRate !== undefined) parts.push({ name: 'sample_rate', data: String(clip.pcmSampleRate) });
  return parts;
}

// ---- mutations of audio bytes ----

type Mutation = (random: Random, bytes: Buffer) => { bytes: Buffer; what: string };

const INTERESTING_BYTES = [0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe];
const INTERESTING_WORDS = [0, 1, 2, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 44, 16000, 48000, 3];

const bitFlips: Mutation = (random, source) => {
  const bytes = Buffer.from(source);
  const flips = random.pick([1, 2, 8, 64]);
  for (let i = 0; i < flips; i++) {
    const at = random.int(0, bytes.length);
    bytes[at]! ^= 1 << random.int(0, 8);
  }
  return { bytes, what: `${flips} bit flips` };
};

const byteRun: Mutation = (random, source) => {
  const bytes = Buffer.from(source);
  const at = random.int(0, bytes.length);
  const length = random.pick([4, 64, 1024, 8192]);
  const value = random.chance(0.5) ? random.pick(INTERESTING_BYTES) : random.int(0, 256);
  bytes.fill(value, at, Math.min(bytes.length, at + length));
  return { bytes, what: `run of ${length} × 0x${value.toString(16)} at ${at}` };
};

const duplicateChunk: Mutation = (random, source) => {
  const start = random.int(0, source.length);
  const end = Math.min(source.length, start + random.pick([16, 256, 4096]));
  const at = random.int(0, source.length);
  return {
    bytes: Buffer.concat([source.subarray(0, at), source.subarray(start, end), source.subarray(at)]),
    what: `bytes ${start}-${end} copied to ${at}`,
  };
};

const removeChunk: Mutation = (random, source) => {
  const start = random.int(0, source.length);
  const end = Math.min(source.length, start + random.pick([1, 16, 256, 4096]));
  return { bytes: Buffer.concat([source.subarray(0, start), source.subarray(end)]), what: `bytes ${start}-${end} removed` };
};

/** Header fields: 16- and 32-bit words of the first bytes set to edge values (RIFF sizes, fmt, box sizes). */
const headerCorruption: Mutation = (random, source) => {
  const bytes = Buffer.from(source);
  const span = Math.min(bytes.length - 4, random.pick([48, 64, 512]));
  const at = random.int(0, Math.max(1, span)) & ~1;
  const value = random.pick(INTERESTING_WORDS);
  if (random.chance(0.5)) bytes.writeUInt16LE(value & 0xffff, at);
  else bytes.writeUInt32LE(value >>> 0, at);
  return { bytes, what: `header word at ${at} set to ${value}` };
};

const MUTATIONS: [string, Mutation][] = [
  ['bit flips', bitFlips],
  ['byte run', byteRun],
  ['chunk duplicated', duplicateChunk],
  ['chunk removed', removeChunk],
  ['header corrupted', headerCorruption],
  ['header corrupted', headerCorruption],
];

// ---- values of every wrong type and size for JSON fields ----

function deepArray(depth: number): unknown {
  let value: unknown = [];
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

function deepObject(depth: number): unknown {
  let value: unknown = {};
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

const WRONG_VALUES: [string, unknown][] = [
  ['true', true],
  ['false', false],
  ['0', 0],
  ['-1', -1],
  ['0.1', 0.1],
  ['1e308', 1e308],
  ['-1e308', -1e308],
  ['2^53+1', 2 ** 53 + 1],
  ['empty string', ''],
  ['blank string', '   \t\n'],
  ['"x"', 'x'],
  ['NUL character', '\u0000'],
  ['lone surrogate', '\ud800'],
  ['emoji', '🎤🎧'],
  ['RTL and combining marks', '\u202e\u0301\u0301\u0301a'],
  ['5,000 characters', 'a'.repeat(5000)],
  ['300,000 characters', 'b'.repeat(300_000)],
  ['numeric string', '1.5'],
  ['empty array', []],
  ['array of a string', ['x']],
  ['array of numbers', [1, 2, 3]],
  ['empty object', {}],
  ['object with id number', { id: 1 }],
  ['object with id string', { id: 'default' }],
  ['nested object', { a: { b: { c: [1, { d: null }] } } }],
  ['array nested 500 deep', deepArray(500)],
  ['object nested 500 deep', deepObject(500)],
];

// ---- request bodies that are not the JSON asked for ----

const RAW_JSON_BODIES: [string, Buffer][] = [
  ['empty body', Buffer.alloc(0)],
  ['whitespace', Buffer.from('  \n ')],
  ['JSON null', Buffer.from('null')],
  ['JSON array', Buffer.from('[]')],
  ['JSON string', Buffer.from('"input"')],
  ['JSON number', Buffer.from('42')],
  ['truncated object', Buffer.from('{"input": "Hi')],
  ['trailing comma', Buffer.from('{"input": "Hi.",}')],
  ['single quotes', Buffer.from("{'input': 'Hi.'}")],
  [
    'invalid UTF-8 in a string',
    Buffer.concat([Buffer.from('{"model":"tts-1","input":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80]), Buffer.from('"}')]),
  ],
  ['UTF-8 BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"model":"tts-1","input":"Hi."}')])],
  ['UTF-16LE body', Buffer.from('{"model":"tts-1","input":"Hi."}', 'utf16le')],
  ['number 1e999', Buffer.from('{"model":"tts-1","input":"Hi.","speed":1e999}')],
  ['duplicate keys', Buffer.from('{"input":"Hi.","input":5}')],
  ['__proto__ key', Buffer.from('{"__proto__":{"input":"Hi."},"constructor":{"prototype":{"x":1}}}')],
  ['arrays nested 100,000 deep', Buffer.from(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)],
  ['unclosed arrays 100,000 deep', Buffer.from('['.repeat(100_000))],
  ['objects nested 20,000 deep', Buffer.from(`${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`)],
  ['2 MB string', Buffer.from(`{"input":"${'c'.repeat(2 * 1024 * 1024)}"}`)],
  ['NUL bytes', Buffer.alloc(64)],
  ['binary noise', Buffer.from(Array.from({ length: 256 }, (_, i) => (i * 37) & 0xff))],
];

const CONTENT_TYPES_FOR_JSON = [
  undefined,
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'application/jsonx',
  '*/*',
  'application/json, text/plain',
  'application/json;;;',
];

// ---- the corpus ----

/** Builds the corpus: the same seed and clips give the same cases in the same order. */
export function buildCorpus(seed: number, clips: AudioClip[], bigClips: AudioClip[]): FuzzCase[] {
  const random = new Random(seed);
  const cases: FuzzCase[] = [];
  const add = (spec: CaseSpec) => {
    const chunks = Array.isArray(spec.body) ? spec.body : [spec.body];
    cases.push({
      id: cases.length,
      description: spec.description,
      path: spec.path,
      contentType: spec.contentType,
      chunks,
      chunked: spec.chunked ?? false,
    });
  };
  const prefix = () => random.pick(API_PREFIXES);
  let audioCases = 0;

  /** An upload of `bytes` as `clip`; most are refused by language after decoding, some run the model. */
  const upload = (clip: AudioClip, bytes: Buffer, what: string) => {
    const infer = audioCases++ % INFERENCE_EVERY === 0;
    // Translation takes no language, so it is where the whole pipeline runs.
    const route = infer ? 'audio/translations' : 'audio/transcriptions';
    const extra: Part[] = infer ? [] : [{ name: 'language', data: UNKNOWN_LANGUAGE }];
    add({
      description: `${clip.name}: ${what}${infer ? ' (whole pipeline)' : ''}`,
      path: `${prefix()}/${route}`,
      contentType: MULTIPART,
      body: multipart(fileParts(clip, bytes, extra)),
    });
  };

  // 1. Every upload format, mutated and truncated.
  for (const clip of clips) {
    for (let i = 0; i < 9; i++) {
      const [name, mutate] = MUTATIONS[i % MUTATIONS.length]!;
      const { bytes, what } = mutate(random, clip.bytes);
      upload(clip, bytes, `${name}: ${what}`);
    }
    const offsets = new Set<number>([0, 1, 4, 12, 24, 44, 45, 100, 1000]);
    while (offsets.size < 10) offsets.add(random.int(0, clip.bytes.length));
    for (const offset of [...offsets].filter((o) => o < clip.bytes.length).sort((a, b) => a - b)) {
      upload(clip, clip.bytes.subarray(0, offset), `truncated to ${offset} of ${clip.bytes.length} bytes`);
    }
  }
  // Longer files than the limit allows, mutated: decoding stops at the limit.
  for (const clip of bigClips) {
    for (let i = 0; i < 3; i++) {
      const [name, mutate] = MUTATIONS[i % MUTATIONS.length]!;
      const { bytes, what } = mutate(random, clip.bytes);
      upload(clip, bytes, `${name}: ${what}`);
    }
  }
  // Raw PCM with sample rates of every wrong kind.
  const pcm = clips.find((clip) => clip.pcmSampleRate !== undefined)!;
  for (const rate of [
    '0',
    '-16000',
    '1',
    '999',
    '1000',
    '384001',
    '16000.5',
    'NaN',
    'Infinity',
    '1e5',
    '0x3e80',
    '',
    ' 16000',
    'sixteen thousand',
    '16000,16000',
  ]) {
    add({
      description: `raw PCM with sample_rate ${JSON.stringify(rate)}`,
      path: `${prefix()}/audio/transcriptions`,
      contentType: MULTIPART,
      body: multipart([
        { name: 'file', filename: 'a.pcm', contentType: 'audio/pcm', data: pcm.bytes },
        { name: 'sample_rate', data: rate },
        { name: 'language', data: UNKNOWN_LANGUAGE },
      ]),
    });
  }
  // Odd-length PCM, and audio under a wrong name and content type.
  add({
    description: 'raw PCM of an odd length',
    path: '/v1/audio/transcriptions',
    contentType: MULTIPART,
    body: multipart(fileParts(pcm, pcm.bytes.subarray(0, 3333))),
  });
  for (const clip of clips.slice(0, 6)) {
    for (const [filename, contentType] of [
      ['a.mp3', 'audio/mpeg'],
      ['a.pcm', 'audio/pcm'],
      ['a', 'application/octet-stream'],
      ['a.txt', 'text/plain'],
      ['../../etc/passwd', 'audio/wav'],
      ['a.m3u8', 'application/vnd.apple.mpegurl'],
    ] as const) {
      add({
        description: `${clip.name} sent as ${filename} (${contentType})`,
        path: `${prefix()}/audio/transcriptions`,
        contentType: MULTIPART,
        body: multipart([
          { name: 'file', filename, contentType, data: clip.bytes },
          { name: 'language', data: UNKNOWN_LANGUAGE },
        ]),
      });
    }
  }
  // Playlists and concat scripts that name other files: ffmpeg must not open them.
  for (const [what, text, filename] of [
    ['HLS playlist', '#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n', 'a.m3u8'],
    ['ffconcat script', "ffconcat version 1.0\nfile '/etc/passwd'\n", 'a.wav'],
    ['SDP description', 'v=0\no=- 0 0 IN IP4 127.0.0.1\ns=x\nc=IN IP4 127.0.0.1\nt=0 0\nm=audio 5004 RTP/AVP 0\n', 'a.sdp'],
  ] as const) {
    add({
      description: what,
      path: `${prefix()}/audio/transcriptions`,
      contentType: MULTIPART,
      body: multipart([{ name: 'file', filename, contentType: 'audio/wav', data: text }]),
    });
  }

  // 2. Malformed multipart.
  const small = clips[0]!;
  const tiny = small.bytes.subarray(0, 44 + 800 * 2);
  const goodForm = multipart(
    fileParts(small, tiny, [
      { name: 'model', data: 'whisper-1' },
      { name: 'language', data: UNKNOWN_LANGUAGE },
    ]),
  );
  for (let offset = 0; offset < goodForm.length; offset += 6) {
    // Skip most of the file data: the framing at both ends is where a cut matters.
    if (offset > 400 && offset < goodForm.length - 200) continue;
    add({
      description: `multipart truncated at ${offset} of ${goodForm.length} bytes`,
      path: `${prefix()}/audio/transcriptions`,
      contentType: MULTIPART,
      body: goodForm.subarray(0, offset),
    });
  }
  for (let i = 0; i < 30; i++) {
    const cut = random.int(0, goodForm.length);
    add({
      description: `multipart truncated at random offset ${cut}`,
      path: `${prefix()}/audio/transcriptions`,
      contentType: MULTIPART,
      body: goodForm.subarray(0, cut),
    });
  }
  for (let i = 0; i < 25; i++) {
    const [name, mutate] = MUTATIONS[i % MUTATIONS.length]!;
    const { bytes, what } = mutate(random, goodForm);
    add({ description: `multipart framing ${name}: ${what}`, path: `${prefix()}/audio/transcriptions`, contentType: MULTIPART, body: bytes });
  }
  for (let i = 0; i < 25; i++) {
    const pieces: Buffer[] = [];
    let at = 0;
    while (at < goodForm.length) {
      const size = random.pick([1, 2, 3, 7, 64, 1000]);
      pieces.push(goodForm.subarray(at, at + size));
      at += size;
    }
    const cut = i % 2 === 0 ? pieces.length : random.int(1, pieces.length);
    add({
      description: `multipart chunked in ${pieces.length} odd pieces${cut < pieces.length ? `, ending after piece ${cut}` : ''}`,
      path: `${prefix()}/audio/transcriptions`,
      contentType: MULTIPART,
      body: pieces.slice(0, cut),
      chunked: true,
    });
  }
  const structural: [string, string | undefined, Buffer][] = [
    ['no boundary at all', MULTIPART, Buffer.from('just text, no parts')],
    ['only the closing boundary', MULTIPART, Buffer.from(`--${BOUNDARY}--\r\n`)],
    ['an opening boundary and nothing else', MULTIPART, Buffer.from(`--${BOUNDARY}\r\n`)],
    ['duplicate boundaries', MULTIPART, Buffer.concat([Buffer.from(`--${BOUNDARY}\r\n--${BOUNDARY}\r\n`), goodForm])],
    ['boundary without CRLF', MULTIPART, Buffer.from(`--${BOUNDARY}Content-Disposition: form-data; name="file"\r\n\r\nx--${BOUNDARY}--`)],
    ['LF line ends', MULTIPART, Buffer.from(goodForm.toString('latin1').replaceAll('\r\n', '\n'), 'latin1')],
    ['part without Content-Disposition', MULTIPART, Buffer.from(`--${BOUNDARY}\r\nContent-Type: audio/wav\r\n\r\nRIFF\r\n--${BOUNDARY}--\r\n`)],
    [
      'field without a name',
      MULTIPART,
      Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; nam="language"\r\n\r\nen\r\n--${BOUNDARY}--\r\n`),
    ],
    [
      'file without a name',
      MULTIPART,
      Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; filename="a.wav"\r\n\r\nRIFF\r\n--${BOUNDARY}--\r\n`),
    ],
    ['header without colon', MULTIPART, Buffer.from(`--${BOUNDARY}\r\nContent-Disposition form-data name=file\r\n\r\nRIFF\r\n--${BOUNDARY}--\r\n`)],
    [
      'header 100 KB long',
      MULTIPART,
      Buffer.from(
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${'a'.repeat(100_000)}.wav"\r\n\r\nRIFF\r\n--${BOUNDARY}--\r\n`,
      ),
    ],
    [
      '2,000 headers in a part',
      MULTIPART,
      Buffer.from(
        `--${BOUNDARY}\r\n${'X-A: b\r\n'.repeat(2000)}Content-Disposition: form-data; name="file"; filename="a.wav"\r\n\r\nRIFF\r\n--${BOUNDARY}--\r\n`,
      ),
    ],
    [
      'disposition attachment',
      MULTIPART,
      Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: attachment; name="file"; filename="a.wav"\r\n\r\nRIFF\r\n--${BOUNDARY}--\r\n`),
    ],
    [
      'unterminated quoted name',
      MULTIPART,
      Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file; filename="a.wav\r\n\r\nRIFF\r\n--${BOUNDARY}--\r\n`),
    ],
    [
      'RFC 2231 filename*',
      MULTIPART,
      Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename*=UTF-8''%ff%fe%00.wav\r\n\r\nRIFF\r\n--${BOUNDARY}--\r\n`),
    ],
    [
      'part Content-Transfer-Encoding base64',
      MULTIPART,
      Buffer.from(
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\nContent-Transfer-Encoding: base64\r\n\r\n${tiny.toString('base64')}\r\n--${BOUNDARY}--\r\n`,
      ),
    ],
    ['body is the boundary repeated', MULTIPART, Buffer.from(`--${BOUNDARY}\r\n`.repeat(5000))],
    ['empty body', MULTIPART, Buffer.alloc(0)],
    ['no Content-Type', undefined, goodForm],
    ['Content-Type without boundary', 'multipart/form-data', goodForm],
    ['empty boundary', 'multipart/form-data; boundary=', goodForm],
    ['quoted boundary with spaces', 'multipart/form-data; boundary="a b c"', goodForm],
    ['boundary of 200 characters', `multipart/form-data; boundary=${'q'.repeat(200)}`, goodForm],
    ['other boundary than the body', 'multipart/form-data; boundary=other', goodForm],
    ['two boundary parameters', `multipart/form-data; boundary=other; boundary=${BOUNDARY}`, goodForm],
    ['multipart/mixed', `multipart/mixed; boundary=${BOUNDARY}`, goodForm],
    ['JSON content type', 'application/json', goodForm],
    ['urlencoded content type', 'application/x-www-form-urlencoded', Buffer.from('file=RIFF&model=whisper-1')],
    ['octet-stream', 'application/octet-stream', tiny],
    ['charset on multipart', `multipart/form-data; charset=utf-16; boundary=${BOUNDARY}`, goodForm],
  ];
  for (const [what, contentType, body] of structural)
    add({ description: `multipart: ${what}`, path: `${prefix()}/audio/transcriptions`, contentType, body });
  const formCases: [string, Part[]][] = [
    ['no file part', [{ name: 'model', data: 'whisper-1' }]],
    ['no parts but the file under another name', [{ name: 'audio', filename: 'a.wav', contentType: 'audio/wav', data: tiny }]],
    ['file sent as a text field', [{ name: 'file', data: tiny }]],
    [
      'two files',
      [
        { name: 'file', filename: 'a.wav', data: tiny },
        { name: 'file', filename: 'b.wav', data: tiny },
      ],
    ],
    [
      'a file and another file field',
      [
        { name: 'file', filename: 'a.wav', data: tiny },
        { name: 'other', filename: 'b.wav', data: tiny },
      ],
    ],
    ['an empty file', [{ name: 'file', filename: 'a.wav', contentType: 'audio/wav', data: '' }]],
    ['file with no filename or type', [{ name: 'file', filename: '', data: tiny }]],
    [
      'field of 300 KB',
      [
        { name: 'file', filename: 'a.wav', data: tiny },
        { name: 'prompt', data: 'p'.repeat(300 * 1024) },
      ],
    ],
    ['100 fields', [{ name: 'file', filename: 'a.wav', data: tiny }, ...Array.from({ length: 100 }, (_, i) => ({ name: `f${i}`, data: 'x' }))]],
    [
      'field names of odd bytes',
      [
        { name: 'file', filename: 'a.wav', data: tiny },
        { name: '\u0000\u00ff"\\', data: 'x' },
        { name: '', data: 'y' },
      ],
    ],
    [
      'model field twice',
      [
        { name: 'file', filename: 'a.wav', data: tiny },
        { name: 'model', data: 'whisper-1' },
        { name: 'model', data: 'whisper-1' },
      ],
    ],
    ['file larger than the upload limit', [{ name: 'file', filename: 'a.wav', contentType: 'audio/wav', data: Buffer.alloc(3 * 1024 * 1024, 1) }]],
  ];
  for (const [what, parts] of formCases)
    add({
      description: `multipart: ${what}`,
      path: `${prefix()}/audio/transcriptions`,
      contentType: MULTIPART,
      body: multipart([...parts, { name: 'language', data: UNKNOWN_LANGUAGE }]),
    });
  add({
    description: 'multipart: body far beyond the upload limit',
    path: '/v1/audio/transcriptions',
    contentType: MULTIPART,
    body: Buffer.alloc(12 * 1024 * 1024, 0x61),
  });

  // 3. Transcription form fields of every wrong kind.
  const fieldValues: Record<string, string[]> = {
    temperature: ['-0.1', '1.01', 'hot', '', 'NaN', 'Infinity', '1e309', '0x1', ' 0.5', '0.5.5', '1'.repeat(400)],
    language: ['zz', 'EN', 'english', 'en-US', '', '\u0000', 'e'.repeat(5000), '<|en|>', '<|endoftext|>', '../en'],
    response_format: ['xml', 'JSON', '', 'verbose_json ', 'srt\u0000', 'text,json'],
    'timestamp_granularities[]': ['minute', 'Word', '', 'word,segment', 'segment\u0000'],
    'include[]': ['logprob', 'logprobs ', '', 'everything'],
    stream: ['yes', '1', 'TRUE', '', 'true ', 'null'],
    chunking_strategy: ['manual', '{"type":"server_vad"}', '', 'null', '{}'],
    'chunking_strategy[type]': ['server_vad', '', 'auto '],
    prompt: ['', '<|endoftext|>', '<|startoftranscript|><|en|>', 'é'.repeat(20_000), '\ud800', 'p'.repeat(60_000)],
    sample_rate: ['16000', '-1', 'x', ''],
    model: ['', 'no-such-model', 'tiny-speecht5', '../tiny-whisper', 'm'.repeat(10_000), 'whisper-1\u0000'],
  };
  for (const [field, values] of Object.entries(fieldValues)) {
    for (const value of values) {
      // A value that passes reaches the engine; the unknown language keeps it cheap (but where the field is the language).
      const parts: Part[] = [
        { name: 'file', filename: 'a.wav', contentType: 'audio/wav', data: tiny },
        { name: field, data: value },
      ];
      if (field !== 'language') parts.push({ name: 'language', data: UNKNOWN_LANGUAGE });
      add({
        description: `transcription field ${field} = ${JSON.stringify(value.length > 40 ? `${value.slice(0, 20)}… (${value.length})` : value)}`,
        path: `${prefix()}/audio/transcriptions`,
        contentType: MULTIPART,
        body: multipart(parts),
      });
    }
  }
  const combinations: [string, Part[]][] = [
    [
      'stream with verbose_json',
      [
        { name: 'stream', data: 'true' },
        { name: 'response_format', data: 'verbose_json' },
      ],
    ],
    ['word timestamps with json', [{ name: 'timestamp_granularities[]', data: 'word' }]],
    [
      'logprobs with text',
      [
        { name: 'include[]', data: 'logprobs' },
        { name: 'response_format', data: 'text' },
      ],
    ],
    [
      'streamed, with logprobs',
      [
        { name: 'stream', data: 'true' },
        { name: 'include[]', data: 'logprobs' },
      ],
    ],
    [
      'streamed srt',
      [
        { name: 'stream', data: 'true' },
        { name: 'response_format', data: 'srt' },
      ],
    ],
    [
      'words and segments in vtt',
      [
        { name: 'timestamp_granularities[]', data: 'word' },
        { name: 'timestamp_granularities[]', data: 'segment' },
        { name: 'response_format', data: 'vtt' },
      ],
    ],
  ];
  for (const [what, parts] of combinations) {
    for (const route of ['audio/transcriptions', 'audio/translations']) {
      add({
        description: `${route}: ${what}`,
        path: `${prefix()}/${route}`,
        contentType: MULTIPART,
        body: multipart([
          { name: 'file', filename: 'a.wav', contentType: 'audio/wav', data: tiny },
          ...parts,
          { name: 'language', data: UNKNOWN_LANGUAGE },
        ]),
      });
    }
  }

  // 4. /audio/speech JSON: every field with every wrong value.
  const speechFields = ['input', 'model', 'voice', 'response_format', 'speed', 'stream_format', 'sample_rate', 'instructions', 'stream'];
  let speechCases = 0;
  for (const field of speechFields) {
    for (const [what, value] of WRONG_VALUES) {
      // A value that passes meets a voice the model lacks, unless the field is the voice: refused before synthesis.
      const body: Record<string, unknown> = { model: 'tts-1', input: 'Hi.', response_format: 'wav' };
      if (field !== 'voice' && speechCases++ % INFERENCE_EVERY !== 0) body.voice = 'no-such-voice';
      body[field] = value;
      add({
        description: `speech ${field} = ${what}`,
        path: `${prefix()}/audio/speech`,
        contentType: 'application/json',
        body: Buffer.from(JSON.stringify(body)),
      });
    }
  }
  for (const [what, value] of [
    ['speed 0.2', { speed: 0.2 }],
    ['speed 4.5', { speed: 4.5 }],
    ['sample_rate 22050', { sample_rate: 22050 }],
    ['sample_rate 7', { sample_rate: 7 }],
    ['response_format flac with sample_rate 384000', { response_format: 'flac', sample_rate: 384_000 }],
    ['stream_format sse with stream false', { stream_format: 'sse', stream: false }],
    ['unknown fields', { extra: 1, 'input ': 'x' }],
    ['input over the character limit', { input: 'Hello there. '.repeat(10) }],
    ['input of emoji over the limit', { input: '🎤'.repeat(100) }],
    ['input of digits', { input: '1'.repeat(20) }],
    ['input of control characters', { input: '\u0001\u0002\u0007\u001b[31m' }],
  ] as const) {
    add({
      description: `speech ${what}`,
      path: `${prefix()}/audio/speech`,
      contentType: 'application/json',
      body: Buffer.from(JSON.stringify({ model: 'tts-1', input: 'Hi.', voice: 'no-such-voice', ...value })),
    });
  }

  // 5. /chat/completions JSON.
  const wav = small.bytes.toString('base64');
  const chatBase = () => ({ model: 'gpt-4o-audio-preview', messages: [{ role: 'user', content: 'Hi.' }] as unknown });
  const chatFields: [string, (value: unknown) => Record<string, unknown>][] = [
    ['model', (value) => ({ ...chatBase(), model: value })],
    ['messages', (value) => ({ ...chatBase(), messages: value })],
    ['messages[0]', (value) => ({ ...chatBase(), messages: [value] })],
    ['messages[0].content', (value) => ({ ...chatBase(), messages: [{ role: 'user', content: value }] })],
    ['input_audio', (value) => ({ ...chatBase(), messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: value }] }] })],
    [
      'input_audio.data',
      (value) => ({ ...chatBase(), messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: value, format: 'wav' } }] }] }),
    ],
    [
      'input_audio.format',
      (value) => ({
        ...chatBase(),
        messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'UklGRg==', format: value } }] }],
      }),
    ],
    ['modalities', (value) => ({ ...chatBase(), modalities: value, audio: { voice: 'no-such-voice', format: 'wav' } })],
    ['audio', (value) => ({ ...chatBase(), modalities: ['text', 'audio'], audio: value })],
    ['audio.voice', (value) => ({ ...chatBase(), modalities: ['text', 'audio'], audio: { voice: value, format: 'wav' } })],
    ['audio.format', (value) => ({ ...chatBase(), modalities: ['text', 'audio'], audio: { voice: 'no-such-voice', format: value } })],
    ['stream', (value) => ({ ...chatBase(), stream: value })],
    ['n', (value) => ({ ...chatBase(), n: value })],
    [
      'assistant audio id',
      (value) => ({
        ...chatBase(),
        messages: [
          { role: 'assistant', audio: { id: value } },
          { role: 'user', content: 'Hi.' },
        ],
      }),
    ],
  ];
  // Every field with a seeded sample of the values: the same JSON reader checks them as for speech.
  for (const [field, build] of chatFields) {
    for (const [what, value] of WRONG_VALUES.filter(() => random.chance(0.6))) {
      add({
        description: `chat ${field} = ${what}`,
        path: `${prefix()}/chat/completions`,
        contentType: 'application/json',
        body: Buffer.from(JSON.stringify(build(value))),
      });
    }
  }
  // Input audio, whole and mutated: chat has no language to refuse it by, so each runs the whole pipeline; few of them.
  for (let i = 0; i < 12; i++) {
    const clip = random.pick(clips.filter((c) => c.pcmSampleRate === undefined));
    const [name, mutate] = MUTATIONS[i % MUTATIONS.length]!;
    const { bytes, what } = mutate(random, clip.bytes);
    const format = clip.filename.endsWith('.mp3') ? 'mp3' : 'wav';
    add({
      description: `chat input_audio ${clip.name} as ${format}: ${name}: ${what}`,
      path: `${prefix()}/chat/completions`,
      contentType: 'application/json',
      body: Buffer.from(
        JSON.stringify({
          ...chatBase(),
          messages: [
            { role: 'user', content: [{ type: 'input_audio', input_audio: { data: i % 3 === 0 ? wav : bytes.toString('base64'), format } }] },
          ],
        }),
      ),
    });
  }

  // 6. Bodies that are not JSON objects, and wrong content types, on both JSON endpoints.
  for (const route of ['audio/speech', 'chat/completions']) {
    for (const [what, body] of RAW_JSON_BODIES)
      add({ description: `${route}: ${what}`, path: `${prefix()}/${route}`, contentType: 'application/json', body });
    for (const contentType of CONTENT_TYPES_FOR_JSON) {
      add({
        description: `${route}: Content-Type ${String(contentType)}`,
        path: `${prefix()}/${route}`,
        contentType,
        body: Buffer.from('{"model":"tts-1","input":"Hi.","voice":"no-such-voice","messages":[]}'),
      });
    }
    const json = Buffer.from(JSON.stringify({ model: 'tts-1', input: 'Hi.', voice: 'no-such-voice', messages: [] }));
    for (let i = 0; i < 6; i++) {
      const cut = random.int(1, json.length);
      add({
        description: `${route}: JSON chunked in two at ${cut}`,
        path: `${prefix()}/${route}`,
        contentType: 'application/json',
        body: [json.subarray(0, cut), json.subarray(cut)],
        chunked: true,
      });
      add({
        description: `${route}: JSON truncated at ${cut}`,
        path: `${prefix()}/${route}`,
        contentType: 'application/json',
        body: json.subarray(0, cut),
      });
    }
  }
  return cases;
}
