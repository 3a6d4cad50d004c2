import {describe, expect, it} from 'vitest';
import {parsePluginResponse, renderPluginRequest} from './kcrypt-plugin.ts';

describe('renderPluginRequest', () => {
  it('sends the partition as kcrypt does, data as a JSON string', () => {
    const text = renderPluginRequest(
      {device: '/dev/vda5', name: 'vda5', version: 2, tokens: [], partLabel: 'persistent', partUuid: 'aa-bb'},
      'COS_PERSISTENT',
      {challengerServer: 'http://kms:8082', mdns: false},
    );
    const event = JSON.parse(text);
    expect(event).toMatchObject({name: 'discovery.password', file: ''});
    expect(JSON.parse(event.data)).toEqual({
      partition: {
        name: 'vda5',
        partition_label: 'persistent',
        label: 'COS_PERSISTENT',
        fs: 'crypto_LUKS',
        uuid: 'aa-bb',
      },
      challenger_server: 'http://kms:8082',
      mdns: false,
    });
  });
});

describe('parsePluginResponse', () => {
  it.each([
    ['{"data":"s3cret","error":""}', {ok: true, passphrase: 's3cret'}],
    [
      '{"data":"","error":"no key for this disk"}',
      {ok: false, reason: 'answered an error: no key for this disk'},
    ],
    ['{"data":""}', {ok: false, reason: 'answered no passphrase'}],
    ['not json', {ok: false, reason: 'answered no JSON ("not json")'}],
  ])('%s', (stdout, want) => {
    expect(parsePluginResponse(stdout)).toEqual(want);
  });
});
