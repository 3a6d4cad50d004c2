import {Command, Flags} from '@oclif/core';
import {type RetryResult, renderRetry, retryExitCode, retryToJson} from '../report/retry-view.ts';
import {runRetry} from '../steps/retry.ts';
import {bootSys, whileStoppable} from './boot-run.ts';

export class RetryCommand extends Command {
  static override summary =
    'In the emergency shell after a failed boot: run the boot again (what is mounted stays, what failed is retried).';
  static override description =
    'Fix what the failure screen named (attach the disk, restore the image...), then run this. Every step runs again; mounts already made are kept, and a stage that completed before is not run twice. When it completes, type `exit`: dracut goes on to switch root. Exits 1 when the boot still fails.';
  static override examples = ['<%= config.bin %> retry', '<%= config.bin %> retry --json'];
  static override flags = {
    json: Flags.boolean({description: 'print the result as JSON (the boot log still goes to stderr)'}),
    root: Flags.string({hidden: true, description: 'treat this directory as / (tests)'}),
    devices: Flags.string({
      hidden: true,
      description: 'comma-separated block devices (kernel names) that label lookups may see (test isolation)',
    }),
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(RetryCommand);
    const sys = bootSys(flags);
    const ran = await whileStoppable((signal) => runRetry({sys, signal, live: (flags.root ?? '/') === '/'}));
    const result: RetryResult =
      ran.kind === 'not-needed' ? ran : {kind: 'ran', record: ran.plan.record, report: ran.outcome.report};
    this.log(flags.json ? JSON.stringify(retryToJson(result), null, 2) : renderRetry(result).trimEnd());
    const code = retryExitCode(result);
    if (code !== 0) this.exit(code);
  }
}
