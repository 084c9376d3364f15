import { describe, expect, it } from 'vitest';
import {
  PRESENCE_STATUS,
  readUserProperty,
  readUserPropertyAll,
  SERVICE_PARAMETER,
  STATUS_SOURCE,
  serviceParametersToUserProperties,
  USER_PROPERTY,
  userPropertiesToServiceParameters,
} from './user-properties.js';

/** What mqtt.js delivers: a null-prototype object, repeated keys as arrays. */
function mqttJsProperties(
  entries: Record<string, string | string[]>,
): Record<string, string | string[]> {
  return Object.assign(Object.create(null) as Record<string, string | string[]>, entries);
}

describe('constants', () => {
  it('names every user property of the profile with the a2a- prefix', () => {
    expect(USER_PROPERTY).toEqual({
      STATUS: 'a2a-status',
      STATUS_SOURCE: 'a2a-status-source',
      RESPONDER_AGENT_ID: 'a2a-responder-agent-id',
      REQUESTER_AGENT_ID: 'a2a-requester-agent-id',
      RECIPIENT_AGENT_ID: 'a2a-recipient-agent-id',
      RECIPIENT_KID: 'a2a-recipient-kid',
      AUTHORIZATION: 'a2a-authorization',
      CONTEXT_ID: 'a2a-context-id',
      TASK_ID: 'a2a-task-id',
      ARTIFACT_MODE: 'a2a-artifact-mode',
      EVENT_TYPE: 'a2a-event-type',
      ARTIFACT_ID: 'a2a-artifact-id',
      CHUNK_SEQNO: 'a2a-chunk-seqno',
      LAST_CHUNK: 'a2a-last-chunk',
      SECURITY_PROFILE: 'a2a-security-profile',
      PROBE: 'a2a-probe',
    });
    expect(PRESENCE_STATUS).toEqual({ ONLINE: 'online', OFFLINE: 'offline' });
    expect(STATUS_SOURCE).toEqual({ AGENT: 'agent', LWT: 'lwt', BROKER: 'broker' });
  });
});

describe('readUserProperty / readUserPropertyAll', () => {
  it('reads single values from plain and null-prototype objects', () => {
    const plain = { 'a2a-status': 'online' };
    const nullProto = mqttJsProperties({ 'a2a-status': 'offline' });
    expect(Object.getPrototypeOf(nullProto)).toBeNull();
    expect(readUserProperty(plain, USER_PROPERTY.STATUS)).toBe('online');
    expect(readUserProperty(nullProto, USER_PROPERTY.STATUS)).toBe('offline');
    expect(readUserPropertyAll(nullProto, USER_PROPERTY.STATUS)).toEqual(['offline']);
  });

  it('returns the last value of a repeated key and all values in order', () => {
    const props = mqttJsProperties({ 'a2a-responder-agent-id': ['first', 'second', 'third'] });
    expect(readUserProperty(props, USER_PROPERTY.RESPONDER_AGENT_ID)).toBe('third');
    expect(readUserPropertyAll(props, USER_PROPERTY.RESPONDER_AGENT_ID)).toEqual([
      'first',
      'second',
      'third',
    ]);
  });

  it('tolerates undefined, null, missing keys, empty arrays and non-string values', () => {
    expect(readUserProperty(undefined, 'k')).toBeUndefined();
    expect(readUserProperty(null, 'k')).toBeUndefined();
    expect(readUserProperty({}, 'k')).toBeUndefined();
    expect(readUserProperty({ k: [] }, 'k')).toBeUndefined();
    expect(readUserProperty({ k: 5 }, 'k')).toBeUndefined();
    expect(readUserPropertyAll(undefined, 'k')).toEqual([]);
    expect(readUserPropertyAll({ k: ['a', 3, 'b'] }, 'k')).toEqual(['a', 'b']);
  });

  it('does not read inherited properties and is case-sensitive', () => {
    expect(readUserProperty({}, 'toString')).toBeUndefined();
    expect(readUserProperty({ 'A2A-Status': 'online' }, 'a2a-status')).toBeUndefined();
  });
});

describe('service parameters', () => {
  it('maps service parameters to user properties and always sends A2A-Version', () => {
    expect(
      serviceParametersToUserProperties({
        'A2A-Extensions': 'https://e/1,https://e/2',
        'X-Trace': 't',
      }),
    ).toEqual({
      'A2A-Extensions': 'https://e/1,https://e/2',
      'X-Trace': 't',
      'A2A-Version': '1.0',
    });
    expect(serviceParametersToUserProperties(undefined)).toEqual({ 'A2A-Version': '1.0' });
    expect(serviceParametersToUserProperties({}, { defaultVersion: '1.1' })).toEqual({
      'A2A-Version': '1.1',
    });
    expect(serviceParametersToUserProperties({}, { defaultVersion: false })).toEqual({});
  });

  it('keeps a given version under its canonical name whatever its case', () => {
    expect(serviceParametersToUserProperties({ 'a2a-version': '0.3' })).toEqual({
      'A2A-Version': '0.3',
    });
    expect(serviceParametersToUserProperties({ 'A2A-EXTENSIONS': 'u' })).toMatchObject({
      'A2A-Extensions': 'u',
    });
  });

  it('never turns a service parameter into a binding a2a-* property', () => {
    const props = serviceParametersToUserProperties({
      'a2a-status': 'online',
      'A2A-Responder-Agent-Id': 'spoofed',
      'a2a-authorization': 'Bearer x',
      other: 'kept',
      skipped: undefined,
    });
    expect(props).toEqual({ other: 'kept', 'A2A-Version': '1.0' });
  });

  it('reads service parameters back case-insensitively and ignores binding properties', () => {
    const props = mqttJsProperties({
      'a2a-version': '1.0',
      'A2A-extensions': ['https://e/1', 'https://e/2'],
      'a2a-status': 'online',
      'a2a-authorization': 'Bearer secret',
      'X-Trace': 't',
    });
    expect(userPropertiesToServiceParameters(props)).toEqual({
      'A2A-Version': '1.0',
      'A2A-Extensions': 'https://e/1,https://e/2',
      'X-Trace': 't',
    });
    expect(userPropertiesToServiceParameters(undefined)).toEqual({});
    expect(userPropertiesToServiceParameters(null)).toEqual({});
  });

  it('joins every repeated A2A-Extensions value with "," (all spellings, blanks skipped)', () => {
    const props = mqttJsProperties({
      'A2A-Extensions': ['https://e/1', ' ', 'https://e/2,https://e/3'],
      'a2a-extensions': 'https://e/4',
    });
    expect(userPropertiesToServiceParameters(props)).toEqual({
      'A2A-Extensions': 'https://e/1,https://e/2,https://e/3,https://e/4',
    });
    expect(userPropertiesToServiceParameters({ 'A2A-Extensions': ['', ' '] })).toEqual({
      'A2A-Extensions': '',
    });
  });

  it('takes the last value of a repeated A2A-Version (and of other parameters)', () => {
    const props = mqttJsProperties({
      'A2A-Version': ['0.3', '1.0'],
      'X-Trace': ['a', 'b'],
    });
    expect(userPropertiesToServiceParameters(props)).toEqual({
      'A2A-Version': '1.0',
      'X-Trace': 'b',
    });
    // Several spellings: the key listed last wins.
    expect(
      userPropertiesToServiceParameters({ 'a2a-version': '0.3', 'A2A-VERSION': '1.0' }),
    ).toEqual({ 'A2A-Version': '1.0' });
  });

  it('round-trips service parameters', () => {
    const params = {
      [SERVICE_PARAMETER.VERSION]: '1.0',
      [SERVICE_PARAMETER.EXTENSIONS]: 'https://ext.example/a',
      'Custom-Header': 'value',
    };
    expect(userPropertiesToServiceParameters(serviceParametersToUserProperties(params))).toEqual(
      params,
    );
  });
});
