// The boot log survives a log file it cannot write: a full /run (/dev/full answers every write
// with ENOSPC) or a file it cannot open. The boot goes on, the console keeps every line, and says
// once why the file stopped. The file itself is src/sys/log-file.ts, used here as the boot uses it.
import {describe, expect, it} from 'vitest';
import {openLogFile} from '../sys/log-file.ts';
import {createLogger} from './logger.ts';

function logTo(file: string) {
  const lines: string[] = [];
  const log = createLogger({
    file: {path: file, open: (onError) => openLogFile(file, onError)},
    console: (line) => lines.push(line),
  });
  return {log, lines};
}

describe('createLogger', () => {
  it('a log file that fills up (ENOSPC): no throw, every line on the console, one warning naming the file', () => {
    const {log, lines} = logTo('/dev/full');
    expect(() => {
      log.info('first');
      log.child({step: 'mount-root'}).warn('second');
      log.info('third');
    }).not.toThrow();
    const warnings = lines.filter((l) => l.includes('cannot write the log file'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^immucore: warn: cannot write the log file \/dev\/full \(.*ENOSPC.*\)/);
    expect(lines.filter((l) => !l.includes('cannot write'))).toEqual([
      'immucore: first\n',
      'immucore[mount-root]: warn: second\n',
      'immucore: third\n',
    ]);
  });

  it('a log file that cannot be opened: the console only, said once', () => {
    const {log, lines} = logTo('/dev/null/x/immucore.log');
    log.info('one');
    log.info('two');
    expect(lines.filter((l) => l.includes('cannot write the log file'))).toHaveLength(1);
    expect(lines.filter((l) => !l.includes('cannot write'))).toEqual(['immucore: one\n', 'immucore: two\n']);
  });
});
