// This boot's report.json, for the commands that show it (`status`, `timeline`): missing means
// immucore did not run in this boot; unreadable (not root: it is 0600) says to run as root.
import {UsageError} from '../boot/errors.ts';
import type {BootReport} from '../report/boot-report.ts';
import {unreadableReportError} from '../report/status-view.ts';
import {REPORT_FILE} from '../steps/write-report.ts';
import {LinuxSys} from '../sys/linux.ts';

export async function readBootReport(root: string | undefined): Promise<BootReport> {
  const text = await new LinuxSys({root: root ?? '/'}).readText(REPORT_FILE).catch((err) => {
    throw unreadableReportError(REPORT_FILE, err);
  });
  if (text === undefined) {
    throw new UsageError(`No boot report at ${REPORT_FILE}`, {
      hint: 'immucore has not run in this boot (a live boot with rd.immucore.disable, or not an immucore initramfs); see `journalctl -u immucore`.',
    });
  }
  return JSON.parse(text) as BootReport;
}
