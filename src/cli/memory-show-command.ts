import {Command, Flags} from '@oclif/core';
import {policyToJson, renderPolicyText} from '../memory/view.ts';
import {inspectFromFlags, MEMORY_FLAGS} from './memory-flags.ts';

export class MemoryShowCommand extends Command {
  static override summary = 'Show the memory policy the next boot applies, and where each value comes from.';
  static override description =
    'Decides the policy as the memory-policy boot step does: rd.immucore.memory on the cmdline, else the memory_policy blocks of the cloud-configs (/system/oem, /oem, /usr/local/cloud-config, kairos.config_url), else the preset for the boot state. Prints the preset, every setting with its source, the badness rules, and the memory left after the overlay tmpfs. Exits 2 when the policy has errors.';
  static override examples = [
    '<%= config.bin %> memory show',
    '<%= config.bin %> memory show --state recovery --json',
    '<%= config.bin %> memory show --policy ./memory.yaml',
  ];
  static override flags = {...MEMORY_FLAGS, json: Flags.boolean({description: 'print the policy as JSON'})};

  async run(): Promise<void> {
    const {flags} = await this.parse(MemoryShowCommand);
    const {inspected} = await inspectFromFlags(flags);
    this.log(
      flags.json ? JSON.stringify(policyToJson(inspected), null, 2) : renderPolicyText(inspected).trimEnd(),
    );
    if (inspected.policy.errors.length > 0) this.exit(2);
  }
}
