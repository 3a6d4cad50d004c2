// Run by test/sys/wait-key.test.ts inside `script`, which gives it a pty as its terminal: waits
// for a key on that pty with LinuxSys.waitForKey and prints the outcome.
import {readlinkSync} from 'node:fs';
import {LinuxSys} from '../../src/sys/linux.ts';

const terminal = readlinkSync('/proc/self/fd/0');
const outcome = await new LinuxSys().waitForKey(terminal, {
  timeoutMs: Number(process.argv[2]),
  prompt: `waiting on ${terminal}\r\n`,
});
process.stdout.write(`outcome ${outcome}\n`);
