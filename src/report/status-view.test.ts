// What `immucore status` says when it cannot read the report: the file and the fix.
import {describe, expect, it} from 'vitest';
import {renderError} from '../boot/errors.ts';
import {SysError} from '../sys/sys.ts';
import {unreadableReportError} from './status-view.ts';

const FILE = '/run/immucore/report.json';
const denied = (code: string) =>
  new SysError(`Cannot read ${FILE}: ${code}: permission denied, open '${FILE}'`, {code});

describe('unreadableReportError', () => {
  const cases = [
    {
      name: 'not root (EACCES): run it as root, naming the file and its mode',
      err: denied('EACCES'),
      message: /^Cannot read the boot report \/run\/immucore\/report\.json: permission denied$/,
      hint: /^Run it as root, e\.g\. sudo immucore status: \/run\/immucore\/report\.json is readable by root only \(mode 0600\)/,
    },
    {
      name: 'EPERM is the same advice',
      err: denied('EPERM'),
      message: /permission denied$/,
      hint: /^Run it as root/,
    },
    {
      name: 'any other error: the journal',
      err: new SysError(`Cannot read ${FILE}: EIO`, {code: 'EIO'}),
      message: /^Cannot read the boot report \/run\/immucore\/report\.json$/,
      hint: /journalctl -u immucore/,
    },
  ];
  it.each(cases)('$name', ({err, message, hint}) => {
    const error = unreadableReportError(FILE, err);
    expect(error.message).toMatch(message);
    expect(error.info.hint).toMatch(hint);
    expect(error.info.input).toBe(FILE);
    // As the CLI prints it: the message, the cause with the errno, the fix.
    const lines = renderError(error);
    expect(lines[1]).toBe(`Caused by: ${err.message}`);
    expect(lines.at(-1)).toMatch(/^Try: /);
  });
});
