// Cloud-config files (SPEC §6), the stage runner's validation: any text a user, an installer or
// an attacker's USB stick puts in /oem parses without a throw or a hang, and each problem points at
// a place in the file and names keys that are in it.
import assert from 'node:assert/strict';
import {describe, it} from 'vitest';
import {SUPPORTED_DIRECTIVES, UNSUPPORTED_DIRECTIVES} from '../src/stages/directives.ts';
import {parseCloudConfig} from '../src/stages/parse-config.ts';
import {fuzz} from './lib.ts';
import {expectKeysInText, expectPointsInto, yamlText} from './yaml-input.ts';

const FILE = '/oem/90_custom.yaml';
const VOCABULARY = [
  ...['name', 'stages', 'rootfs', 'initramfs', 'rootfs.before', 'initramfs.after', 'boot', '<<'],
  ...SUPPORTED_DIRECTIVES,
  ...[
    'only_service_manager',
    'only_arch',
    'systemd',
    'openrc',
    '{{ .Values.os.name }}',
    '{{ trunc 4',
    '(?i)debian',
  ],
  ...UNSUPPORTED_DIRECTIVES,
  ...['path', 'content', 'encoding', 'permissions', 'owner', 'group', 'enable', 'disable', 'mask'],
  ...['start', 'overrides', 'uid', 'gid', 'passwd', 'shell', 'homedir', 'groups', 'ssh_authorized_keys'],
];
/** The document as it is, or placed where the reader looks: a step, a stage, the stages. */
const WRAPS = [
  (data: unknown) => data,
  (data: unknown) => ({name: 'fuzz', stages: {rootfs: [data]}}),
  (data: unknown) => ({stages: {'initramfs.before': data}}),
  (data: unknown) => ({stages: data}),
];

describe('fuzz: cloud-config validation', () => {
  it('reads any text; every problem points into the file', async () => {
    await fuzz('cloud-config', yamlText(VOCABULARY, WRAPS), (text) => {
      const source = parseCloudConfig(text, FILE);
      for (const p of [...source.errors, ...source.warnings]) {
        expectPointsInto(p, FILE, text);
        expectKeysInText(p, text);
      }
      for (const steps of source.stages.values())
        for (const {step} of steps) assert.ok(Array.isArray(step.commands));
    });
  });
});
