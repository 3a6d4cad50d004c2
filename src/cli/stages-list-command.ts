import {Command, Flags} from '@oclif/core';
import {readInputs} from '../inputs/read-inputs.ts';
import {hasStageErrors, renderStagePlansText, stagePlansToJson} from '../stages/list-view.ts';
import {planStageFromSys} from '../stages/runner.ts';
import {STAGES} from '../stages/types.ts';
import {LinuxSys} from '../sys/linux.ts';

export class StagesListCommand extends Command {
  static override summary =
    'List the cloud-config steps the rootfs and initramfs stages would run, in order.';
  static override description =
    'Reads the cloud-configs each stage sees (/system/oem, /oem, /usr/local/cloud-config, kairos.config_url, the cmdline dot notation) and prints every step with its file, line, condition and what it does, then the unsupported directives and the problems found. Runs nothing. Exits 2 when a file or step has an error.';
  static override examples = [
    '<%= config.bin %> stages list',
    '<%= config.bin %> stages list --stage rootfs --json',
    '<%= config.bin %> stages list --root /mnt/image',
  ];
  static override flags = {
    root: Flags.string({description: 'treat this directory as / (an image tree, a test root)', default: '/'}),
    stage: Flags.string({description: 'only this stage', options: [...STAGES]}),
    json: Flags.boolean({description: 'print the plan as JSON'}),
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(StagesListCommand);
    const sys = new LinuxSys({root: flags.root});
    const {config} = await readInputs(sys);
    const stages = STAGES.filter((s) => flags.stage === undefined || s === flags.stage);
    const plans = await Promise.all(stages.map((s) => planStageFromSys(sys, s, config)));
    this.log(
      flags.json ? JSON.stringify(stagePlansToJson(plans), null, 2) : renderStagePlansText(plans).trimEnd(),
    );
    if (hasStageErrors(plans)) this.exit(2);
  }
}
