import {resolve} from 'node:path';
import {Command, Flags} from '@oclif/core';
import {UsageError} from '../boot/errors.ts';
import type {BootReport} from '../report/boot-report.ts';
import {unreadableReportError} from '../report/status-view.ts';
import {renderTimelineTable, reportTrace, timelineToJson} from '../report/timeline-view.ts';
import {REPORT_FILE} from '../steps/write-report.ts';
import {LinuxSys} from '../sys/linux.ts';

export class TimelineCommand extends Command {
  static override summary =
    "Show this boot's steps on a time axis with the critical path (from /run/immucore/report.json).";
  static override description =
    'The steps in start order with when each started and how long it took; `*` marks the critical path, the chain of steps that set the end time (the part of a slow boot worth making faster). --trace writes the steps as Chrome trace-event JSON: open it in https://ui.perfetto.dev or chrome://tracing.';
  static override examples = [
    '<%= config.bin %> timeline',
    '<%= config.bin %> timeline --trace /tmp/boot-trace.json',
  ];
  static override flags = {
    trace: Flags.string({description: 'also write the steps as Chrome/Perfetto trace-event JSON to FILE'}),
    json: Flags.boolean({description: 'print the steps as JSON'}),
    root: Flags.string({hidden: true, description: 'treat this directory as / (tests)'}),
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(TimelineCommand);
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
    if (flags.trace) {
      const file = resolve(flags.trace);
      await new LinuxSys({root: '/'}).writeText(file, `${JSON.stringify(reportTrace(report))}\n`, {
        mode: 0o600,
      });
      if (!flags.json) this.log(`trace written to ${file} (open it in https://ui.perfetto.dev)`);
    }
    this.log(
      flags.json ? JSON.stringify(timelineToJson(report), null, 2) : renderTimelineTable(report).trimEnd(),
    );
  }
}
