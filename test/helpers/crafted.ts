import { closeSync, constants, openSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/** An HLS playlist whose one segment is `target`. */
export const hls = (target: string) => Buffer.from(`#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:1.0,\n${target}\n#EXT-X-ENDLIST\n`);
/** An ffconcat list of `target`. */
export const ffconcat = (target: string) => Buffer.from(`ffconcat version 1.0\nfile ${target}\n`);

/**
 * A FIFO in `dir` that tells whether anyone opened it for reading: our open for writing completes only
 * then. `release` unblocks our pending open and closes everything.
 */
export function tripwire(dir: string, name: string) {
  const fifo = path.join(dir, name);
  execFileSync('mkfifo', [fifo]);
  let opened = false;
  const writer: Promise<FileHandle> = open(fifo, 'w').then((handle) => {
    opened = true;
    return handle;
  });
  return {
    fifo,
    opened: () => opened,
    writer,
    async release() {
      if (!opened) closeSync(openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK));
      await (await writer).close();
    },
  };
}
