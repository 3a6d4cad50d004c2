import {resolve} from 'node:path';
import {Command, Flags} from '@oclif/core';
import {renderTimelineTable, reportTrace, timelineToJson} from '../report/timeline-view.ts';
import {LinuxSys} from '../sys/linux.ts';
import {readBootReport} from './read-report.ts';

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
    const report = await readBootReport(flags.root);
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
