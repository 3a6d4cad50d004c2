import {describe, expect, it} from 'vitest';
import {renderStagePlansText, stagePlansToJson} from './list-view.ts';
import {loadStageSources} from './load.ts';
import {planStage} from './plan.ts';

const config = `stages:
  rootfs:
    - name: debian
      only_os: "Debian.*"
      commands: [a]
    - name: arm
      only_arch: arm64
      commands: [b]
`;

function plan() {
  const loaded = loadStageSources(
    {sources: [{label: '/oem/a.yaml', file: '/oem/a.yaml', text: config}], problems: []},
    {
      dotNotation: [],
    },
  );
  const p = planStage('rootfs', loaded);
  return {
    ...p,
    facts: {
      osName: 'Debian GNU/Linux 12 (bookworm)',
      arch: 'amd64',
      systemd: true,
      openrc: false,
      existing: new Set<string>(),
    },
  };
}

describe('stages list', () => {
  it('shows each condition with its verdict and reason', () => {
    const text = renderStagePlansText([plan()]);
    expect(text).toContain(
      'condition only_os: os-release name "Debian GNU/Linux 12 (bookworm)" matches /Debian.*/',
    );
    expect(text).toContain('NOT RUN: only_arch: architecture "amd64" does not match /arm64/');
  });

  it('gives the verdicts in JSON and says which steps run', () => {
    const steps = stagePlansToJson([plan()]).stages[0]?.steps ?? [];
    expect(steps.map((s) => [s.name, s.runs, s.conditions.map((c) => c.pass)])).toEqual([
      ['debian', true, [true]],
      ['arm', false, [false]],
    ]);
  });
});
