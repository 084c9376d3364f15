import { createTopics, isA2AMqttError } from '@a2a-mqtt/protocol';
import { describe, expect, it } from 'vitest';
import { parseAgentUrl } from './card-resolver.js';

describe('parseAgentUrl', () => {
  it('parses a2a-mqtt: addresses with the given prefix', () => {
    const parsed = parseAgentUrl(
      'a2a-mqtt:acme/support/triage',
      createTopics({ prefix: 'a2a/v1' }),
    );
    expect(parsed?.agent).toEqual({ org: 'acme', unit: 'support', agent: 'triage' });
    expect(parsed?.topics.prefix).toBe('a2a/v1');
  });

  it('parses MQTT interface URLs and takes the prefix from the URL', () => {
    const parsed = parseAgentUrl('mqtt://broker:1883/a2a/v1/request/acme/support/triage');
    expect(parsed?.agent).toEqual({ org: 'acme', unit: 'support', agent: 'triage' });
    expect(parsed?.topics.prefix).toBe('a2a/v1');
    expect(
      parseAgentUrl('mqtts://broker:8883/%24a2a/v1/request/acme/support/triage')?.topics.prefix,
    ).toBe('$a2a/v1');
  });

  it('returns undefined for HTTP URLs and throws INVALID_TOPIC for bad MQTT addresses', () => {
    expect(parseAgentUrl('https://agent.example')).toBeUndefined();
    for (const bad of ['mqtt://broker:1883/not/a/request', 'a2a-mqtt:acme/support']) {
      try {
        parseAgentUrl(bad);
        expect.unreachable();
      } catch (error) {
        expect(isA2AMqttError(error, 'INVALID_TOPIC')).toBe(true);
      }
    }
  });
});
