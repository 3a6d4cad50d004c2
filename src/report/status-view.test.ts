// What `immucore status` says when it cannot read the report: the file and the fix.
import {describe, expect, it} from 'vitest';
import {renderError} from '../boot/errors.ts';
import {SysError} from '../sys/sys.ts';
import {describeUnlock, unreadableReportError} from './status-view.ts';

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

describe('describeUnlock', () => {
  const base = {
    volume: 'LABEL=COS_PERSISTENT',
    container: '/dev/vda5',
    foundBy: 'luks-label' as const,
    mapper: '/dev/mapper/vda5',
  };
  it.each([
    {
      name: 'unlocked: the key source and the time it took',
      record: {...base, keySource: 'TPM NV index 0x1500000', outcome: 'unlocked' as const, durationMs: 412.4},
      want: [
        '  LABEL=COS_PERSISTENT: /dev/vda5 → /dev/mapper/vda5, unlocked with the TPM NV index 0x1500000 in 412 ms',
      ],
    },
    {
      name: 'by a plugin: which one answered',
      record: {
        ...base,
        keySource: 'key server plugin (http://kms)',
        plugin: '/usr/bin/kcrypt-discovery-challenger',
        outcome: 'unlocked' as const,
        durationMs: 90,
      },
      want: [
        '  LABEL=COS_PERSISTENT: /dev/vda5 → /dev/mapper/vda5, unlocked with the key server plugin (http://kms) (/usr/bin/kcrypt-discovery-challenger) in 90 ms',
      ],
    },
    {
      name: 'open already',
      record: {...base, keySource: 'already open', outcome: 'reused' as const, durationMs: 0},
      want: ['  LABEL=COS_PERSISTENT: /dev/vda5 → /dev/mapper/vda5, already open (reused)'],
    },
    {
      name: 'locked: why, and the fix',
      record: {
        ...base,
        keySource: 'TPM NV index 0x1500000',
        outcome: 'failed' as const,
        durationMs: 80,
        error: 'TPM NV index 0x1500000 not found: was /dev/vda5 encrypted on this machine?',
        hint: 'Boot the machine that encrypted it.',
      },
      want: [
        '  LABEL=COS_PERSISTENT: /dev/vda5 → /dev/mapper/vda5, LOCKED: TPM NV index 0x1500000: TPM NV index 0x1500000 not found: was /dev/vda5 encrypted on this machine?',
        '    try: Boot the machine that encrypted it.',
      ],
    },
  ])('$name', ({record, want}) => {
    expect(describeUnlock(record)).toEqual(want);
  });
});
