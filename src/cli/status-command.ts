import {Command, Flags} from '@oclif/core';
import {UsageError} from '../boot/errors.ts';
import type {BootReport} from '../report/boot-report.ts';
import {renderStatus, unreadableReportError} from '../report/status-view.ts';
import {REPORT_FILE} from '../steps/write-report.ts';
import {LinuxSys} from '../sys/linux.ts';

export class StatusCommand extends Command {
  static override summary =
    'Show what this boot did: state, each step, mounts, failures (from /run/immucore/report.json).';
  static override examples = ['<%= config.bin %> status', '<%= config.bin %> status --json'];
  static override flags = {
    json: Flags.boolean({description: 'print the report as JSON'}),
    root: Flags.string({hidden: true, description: 'treat this directory as / (tests)'}),
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(StatusCommand);
    const sys = new LinuxSys({root: flags.root ?? '/'});
    const text = await sys.readText(REPORT_FILE).catch((err) => {
      throw unreadableReportError(REPORT_FILE, err);
    });
    if (text === undefined) {
      throw new UsageError(`No boot report at ${REPORT_FILE}`, {
        hint: 'immucore has not run in this boot (a live boot with rd.immucore.disable, or not an immucore initramfs); see `journalctl -u immucore`.',
      });
    }
    const report = JSON.parse(text) as BootReport;
    this.log(flags.json ? JSON.stringify(report, null, 2) : renderStatus(report).trimEnd());
    if (report.status === 'failed' || report.status === 'cancelled') this.exit(1);
  }
}
