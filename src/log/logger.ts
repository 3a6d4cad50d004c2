// The boot log: JSON lines (pino) for /run/immucore/immucore.log, and short readable lines on the
// console, where a person watching the boot (or the journal) reads them. No pino transports:
// they start worker threads, which a compiled single binary and a 1-second boot do not need.
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

export interface LoggerOptions {
  /** Absolute path of the JSON log file (already resolved against the root), created 0600; undefined = none. */
  file?: string;
  /** Where the readable lines go; default stderr. Undefined `console: false` = none. */
  console?: ((line: string) => void) | false;
  debug?: boolean;
}

/** The boot logger. The file gets every record; the console gets info and up (debug with rd.immucore.debug). */
export function createLogger(opts: LoggerOptions): Logger {
  const level = opts.debug ? 'debug' : 'info';
  const streams: pino.StreamEntry[] = [];
  // 0600: the log quotes the whole cmdline, which may carry tokens (kairos.config_url=…?token=),
  // and /run moves into the booted system, where every user could read it.
  if (opts.file)
    streams.push({
      level: 'debug',
      stream: pino.destination({dest: opts.file, sync: true, mkdir: true, mode: 0o600}),
    });
  if (opts.console !== false) {
    const write = opts.console ?? ((line: string) => process.stderr.write(line));
    streams.push({level, stream: consoleSink(write)});
  }
  return pino(
    {level: 'debug', base: undefined, timestamp: pino.stdTimeFunctions.isoTime},
    pino.multistream(streams),
  );
}

/** A logger that drops everything (unit tests, `immucore plan`). */
export function silentLogger(): Logger {
  return pino({level: 'silent'});
}
