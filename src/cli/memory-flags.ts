// The flags `immucore memory show|render|check` share, and the inspection they all start from.
import path from 'node:path';
import {Flags} from '@oclif/core';
import {BOOT_STATES, type BootStateName} from '../boot/state.ts';
import {readInputs} from '../inputs/read-inputs.ts';
import {type InspectedPolicy, inspectMemoryPolicy} from '../memory/inspect.ts';
import {LinuxSys} from '../sys/linux.ts';

export const MEMORY_FLAGS = {
  root: Flags.string({description: 'treat this directory as / (an image tree, a test root)', default: '/'}),
  cmdline: Flags.string({description: "kernel command line to decide for (default: the running kernel's)"}),
  state: Flags.string({
    description: 'boot state to decide for (default: the one the cmdline names)',
    options: [...BOOT_STATES],
  }),
  policy: Flags.string({
    description:
      'a YAML file with a memory_policy block, used instead of the cloud-configs and the cmdline preset',
  }),
};

export interface MemoryFlagValues {
  root: string;
  cmdline?: string | undefined;
  state?: string | undefined;
  policy?: string | undefined;
}

/** The policy the flags describe, as the next boot would decide it. */
export async function inspectFromFlags(
  flags: MemoryFlagValues,
): Promise<{sys: LinuxSys; inspected: InspectedPolicy}> {
  const sys = new LinuxSys({root: flags.root});
  // The policy file is the caller's, not the image's: read from the real /, whatever --root says.
  const policyFile =
    flags.policy === undefined
      ? undefined
      : {file: flags.policy, text: await new LinuxSys().readText(path.resolve(flags.policy))};
  const {config, layout = {}} = await readInputs(sys, {
    layout: true,
    ...(flags.cmdline === undefined ? {} : {cmdline: flags.cmdline}),
  });
  const inspected = await inspectMemoryPolicy({
    sys,
    config,
    layout,
    ...(flags.state === undefined ? {} : {state: flags.state as BootStateName}),
    ...(policyFile === undefined ? {} : {policyFile}),
  });
  return {sys, inspected};
}
