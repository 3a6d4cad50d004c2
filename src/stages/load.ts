// A stage's cloud-configs, in order (SPEC §6): the sources src/inputs read as seen from the stage's
// root (each source directory lexically, then a local kairos.config_url), parsed, then the cmdline
// dot notation.
import type {BootConfig} from '../boot/boot-config.ts';
import type {Problem} from '../boot/problem.ts';
import type {ConfigSources} from '../inputs/read-inputs.ts';
import {parseDotNotation} from './dot-notation.ts';
import {configFromData, parseCloudConfig} from './parse-config.ts';
import type {StageSource} from './types.ts';

export const CMDLINE_SOURCE = 'the kernel cmdline';

export interface LoadedSources {
  sources: StageSource[];
  /** Problems outside any one source: an unusable config_url, a file that cannot be read. */
  errors: Problem[];
  warnings: Problem[];
}

/** Parse every source a stage sees (read by src/inputs), then add the cmdline dot notation. */
export function loadStageSources(
  read: ConfigSources,
  config: Pick<BootConfig, 'dotNotation'>,
): LoadedSources {
  const out: LoadedSources = {sources: [], errors: [], warnings: []};
  for (const s of read.sources)
    out.sources.push(
      'text' in s
        ? parseCloudConfig(s.text, s.label)
        : {file: s.label, stages: new Map(), errors: [s.problem], warnings: []},
    );
  for (const p of read.problems) (p.level === 'error' ? out.errors : out.warnings).push(p);
  if (config.dotNotation.length > 0) {
    const {data, errors} = parseDotNotation(config.dotNotation);
    const source = configFromData(data, CMDLINE_SOURCE);
    source.errors.unshift(...errors);
    out.sources.push(source);
  }
  return out;
}
