import {Command, Flags} from '@oclif/core';
import {renderStatus} from '../report/status-view.ts';
import {readBootReport} from './read-report.ts';

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
    const report = await readBootReport(flags.root);
    this.log(flags.json ? JSON.stringify(report, null, 2) : renderStatus(report).trimEnd());
    if (report.status === 'failed' || report.status === 'cancelled') this.exit(1);
  }
}
