// The boot log file: each record appended at once with a plain write (what pino's sync destination
// did), to an fd opened 0600. Its first failure (a full /run: a stage step filled the initramfs's
// RAM) closes it and is reported once through `onError`; later records are dropped. pino's
// destination emitted that error with no listener, which crashed the boot from inside whichever
// step logged next, and its exit handler retried a failed write forever.
import path from 'node:path';
import {fs} from './node-fs.ts';

export interface LogFile {
  write(chunk: string): void;
}

/** Open (create 0600, parents made) `file` for appending; a failure to open goes to `onError` too. */
export function openLogFile(file: string, onError: (err: Error) => void): LogFile {
  let fd: number | undefined;
  const fail = (err: unknown) => {
    if (fd !== undefined) fs.closeSync(fd);
    fd = undefined;
    onError(err instanceof Error ? err : new Error(String(err)));
  };
  try {
    fs.mkdirSync(path.dirname(file), {recursive: true});
    fd = fs.openSync(file, 'a', 0o600);
  } catch (err) {
    fail(err);
  }
  return {
    write(chunk: string) {
      if (fd === undefined) return;
      try {
        // The string as it is: a short write (a full /run) is the rare case that needs its bytes.
        const n = fs.writeSync(fd, chunk);
        if (n === Buffer.byteLength(chunk)) return;
        const buf = Buffer.from(chunk);
        for (let at = n; at < buf.length; ) at += fs.writeSync(fd, buf, at);
      } catch (err) {
        fail(err);
      }
    },
  };
}
