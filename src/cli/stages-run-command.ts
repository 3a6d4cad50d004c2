import {Args, Command, Flags} from '@oclif/core';
import {readInputs} from '../inputs/read-inputs.ts';
import {createLogger} from '../log/logger.ts';
import {renderStagePlansText} from '../stages/list-view.ts';
import {planStageFromSys} from '../stages/runner.ts';
import {runStageStandalone} from '../stages/standalone.ts';
import {STAGES, type StageName} from '../stages/types.ts';
import {LinuxSys} from '../sys/linux.ts';

export class StagesRunCommand extends Command {
  static override summary = 'Run one cloud-config stage (rootfs or initramfs) now, as the boot would.';
  static override description =
    'Runs <stage>.before, <stage> and <stage>.after from every source, the initramfs stage chrooted in /sysroot. For the recovery shell: rerun a stage after fixing a config. A failing step is reported and the next one runs; exits 1 when a step failed.';
  static override examples = [
    '<%= config.bin %> stages run rootfs',
    '<%= config.bin %> stages run initramfs --dry-run',
  ];
  static override args = {
    stage: Args.string({description: 'rootfs or initramfs', required: true, options: [...STAGES]}),
  };
  static override flags = {
    root: Flags.string({description: 'treat this directory as / (a test root)', default: '/'}),
    'dry-run': Flags.boolean({description: 'list what would run, run nothing'}),
  };

  async run(): Promise<void> {
    const {args, flags} = await this.parse(StagesRunCommand);
    const stage = args.stage as StageName;
    const sys = new LinuxSys({root: flags.root});
    const {config} = await readInputs(sys);
    if (flags['dry-run']) {
      this.log(renderStagePlansText([await planStageFromSys(sys, stage, config)]).trimEnd());
      return;
    }
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    const log = createLogger({console: (line) => process.stderr.write(line)});
    const result = await runStageStandalone({sys, stage, config, log, signal: controller.signal});
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    log.flush();
    this.log(`${stage} stage: ${result.ran} ran, ${result.skipped} skipped, ${result.failed} failed`);
    for (const f of result.failures) this.log(`failed: ${f.message}${f.hint ? `\n  Try: ${f.hint}` : ''}`);
    if (result.failures.length > 0) this.exit(1);
  }
}
