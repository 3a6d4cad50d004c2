// The boot's console: stderr (the unit sends it to the journal and the console), written with a
// plain write(2) per line. Not process.stderr: in bun, the first touch of process.stderr builds its
// stream machinery (~15-20 ms of CPU on every boot), and a stream may still hold lines when the boot
// calls process.exit. A synchronous write keeps the lines in order and loses none at exit.
import {writeSync} from './node-fs.ts';

export interface ConsoleWriterOptions {
  /** The fd to write; default 2 (stderr). */
  fd?: number;
  /**
   * Where the text goes once the fd says EAGAIN (a non-blocking stderr, e.g. a tty or pipe another
   * process set O_NONBLOCK on): default process.stderr, which waits for the fd to drain.
   */
  fallback?: (chunk: string | Buffer) => void;
  /** Called once when the console is gone (EPIPE, EIO...): later text is dropped. */
  onLost?: (err: NodeJS.ErrnoException) => void;
}

/**
 * A console writer: each call writes the whole text before it returns. On EAGAIN it hands that
 * text's rest and every later text to `fallback` (in order, nothing lost: a line written directly
 * after a queued one could overtake it). On any other error (the journal's pipe closed: EPIPE; a
 * hung-up tty: EIO) it drops the console, says so once through `onLost`, and the boot goes on: the
 * log file keeps every record.
 */
export function createConsoleWriter(opts: ConsoleWriterOptions = {}): (text: string) => void {
  const fd = opts.fd ?? 2;
  const fallback = opts.fallback ?? ((chunk: string | Buffer) => process.stderr.write(chunk));
  let state: 'direct' | 'fallback' | 'lost' = 'direct';
  return (text: string) => {
    if (state === 'fallback') {
      fallback(text);
      return;
    }
    if (state === 'lost' || text === '') return;
    let buf: Buffer | undefined;
    let done = 0;
    try {
      // The string as it is; bytes are needed only after a short write.
      done = writeSync(fd, text);
      if (done === Buffer.byteLength(text)) return;
      buf = Buffer.from(text);
      while (done < buf.length) done += writeSync(fd, buf, done);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'EAGAIN' || e.code === 'EWOULDBLOCK') {
        state = 'fallback';
        // Bytes, not a string: a short write may have split a character.
        fallback(buf ? buf.subarray(done) : text);
        return;
      }
      state = 'lost';
      opts.onLost?.(e);
    }
  };
}
