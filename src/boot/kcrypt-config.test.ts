import {describe, expect, it} from 'vitest';
import {decideKcryptConfig, kcryptSectionOf, parseKcryptCmdline} from './kcrypt-config.ts';

describe('parseKcryptCmdline', () => {
  it('reads kcrypt.* and kcrypt.challenger.* tokens, and nothing else', () => {
    expect(
      parseKcryptCmdline(
        'root=LABEL=COS_ACTIVE kcrypt.challenger.challenger_server=http://kms:8082 kcrypt.challenger.mdns kcrypt.nv_index=0x1500001',
      ),
    ).toEqual({challenger_server: 'http://kms:8082', mdns: true, nv_index: '0x1500001'});
  });
});

describe('kcryptSectionOf', () => {
  it('reads both levels of a cloud-config; numbers become hex handles', () => {
    const doc = {kcrypt: {nv_index: 0x1500002, challenger: {challenger_server: 'http://a', mdns: false}}};
    expect(kcryptSectionOf(doc)).toEqual({nv_index: '0x1500002', challenger_server: 'http://a', mdns: false});
  });
  it('a document without kcrypt gives nothing', () => {
    expect(kcryptSectionOf({stages: {}})).toEqual({});
    expect(kcryptSectionOf(null)).toEqual({});
  });
});

describe('decideKcryptConfig', () => {
  it('defaults to kcrypt NV mode', () => {
    expect(decideKcryptConfig([]).value).toEqual({mdns: false, nvIndex: '0x1500000', cIndex: '0x81000008'});
  });
  it('later sources win: the cmdline over the OEM files', () => {
    const {value} = decideKcryptConfig([
      {name: '/oem/90_custom.yaml', values: {challenger_server: 'http://old', nv_index: '0x1500003'}},
      {name: 'cmdline', values: {challenger_server: 'http://new'}},
    ]);
    expect(value).toMatchObject({challengerServer: 'http://new', nvIndex: '0x1500003'});
  });
  it('a bad handle is reported by name and the default kept', () => {
    const {value, problems} = decideKcryptConfig([{name: 'cmdline', values: {nv_index: 'nvram'}}]);
    expect(value.nvIndex).toBe('0x1500000');
    expect(problems[0]).toMatchObject({
      input: 'cmdline: kcrypt.nv_index=nvram',
      hint: expect.stringMatching(/0x1500000/),
    });
  });
});
