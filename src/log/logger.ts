// The boot log: JSON lines (pino) for /run/immucore/immucore.log, and short readable lines on the
// console, where a person watching the boot (or the journal) reads them. No pino transports:
// they start worker threads, which a compiled single binary and a 1-second boot do not need.
// The binary is built without them: pino's file stream, transports and worker_threads are stubs
// that throw (scripts/pino-stubs.ts), so give pino plain sinks, never pino.destination() or a path.
import pino, {type Logger} from 'pino';

export type {Logger};

const LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

/** One JSON log record as a console line: `immucore[mount-root]: warn: message`. */
export function renderLogLine(record: {level: number; msg?: string; step?: string}): string {
  const level = LEVELS[record.level] ?? String(record.level);
  const where = record.step ? `immucore[${record.step}]` : 'immucore';
  return `${where}: ${level === 'info' ? '' : `${level}: `}${record.msg ?? ''}\n`;
}

// A plain sink, not a node Writable: pino's multistream only calls write(), and the stream
// machinery (buffering, callbacks, events) was ~10 % of the boot's JavaScript CPU in a profile.
function consoleSink(write: (line: string) => void): pino.DestinationStream {
  return {
    write(chunk: string) {
      for (const line of chunk.split('\n')) {
        if (line) write(renderLogLine(JSON.parse(line)));
      }
    },
  };
}

/** The log file, opened by the caller (src/sys/log-file.ts): the logger touches no file itself. */
export interface LogFileOption {
  /** Absolute path, for messages. */
  path: string;
  /** Open it; the first failed open or write goes to `onError`, and the sink then drops records. */
  open(onError: (err: Error) => void): {write(chunk: string): void};
}

export interface LoggerOptions {
  /** The JSON log file (created 0600); undefined = none. */
  file?: LogFileOption;
  /** Where the readable lines go; default stderr. Undefined `console: false` = none. */
  console?: ((line: string) => void) | false;
  debug?: boolean;
}

/** The boot logger. The file gets every record; the console gets info and up (debug with rd.immucore.debug). */
export function createLogger(opts: LoggerOptions): Logger {
  const level = opts.debug ? 'debug' : 'info';
  const streams: pino.StreamEntry[] = [];
  const write =
    opts.console === false ? undefined : (opts.console ?? ((line: string) => process.stderr.write(line)));
  // 0600: the log quotes the whole cmdline, which may carry tokens (kairos.config_url=…?token=),
  // and /run moves into the booted system, where every user could read it. A file that cannot be
  // written (a full /run) costs the file, said once on the console, which keeps every line.
  if (opts.file) {
    const file = opts.file.path;
    const dir = file.slice(0, file.lastIndexOf('/')) || '/';
    const stream = opts.file.open((err) =>
      write?.(
        renderLogLine({
          level: 40,
          msg: `cannot write the log file ${file} (${err.message}): the rest of the log is on the console only; ignoring. Try: free space in ${dir} (df -h ${dir}), or fix the error.`,
        }),
      ),
    );
    streams.push({level: 'debug', stream});
  }
  if (write) streams.push({level, stream: consoleSink(write)});
  return pino(
    {level: 'debug', base: undefined, timestamp: pino.stdTimeFunctions.isoTime},
    pino.multistream(streams),
  );
}

/** A logger that drops everything (unit tests, `immucore plan`). */
export function silentLogger(): Logger {
  return pino({level: 'silent'});
}
