import { describe, expect, it } from 'vitest';
import { readPresence } from './presence.js';

describe('readPresence', () => {
  it('reads agent-published status and source', () => {
    expect(readPresence({ 'a2a-status': 'online', 'a2a-status-source': 'agent' })).toEqual({
      status: 'online',
      statusSource: 'agent',
    });
  });

  it('reports unknown without properties or with an unknown value', () => {
    expect(readPresence(undefined)).toEqual({ status: 'unknown', statusSource: undefined });
    expect(readPresence({ 'a2a-status': 'sleeping', 'a2a-status-source': 'agent' })).toEqual({
      status: 'unknown',
      statusSource: undefined,
    });
  });

  it('prefers the broker pair when a broker appended its status to the agent one', () => {
    expect(
      readPresence({
        'a2a-status': ['offline', 'online'],
        'a2a-status-source': ['broker', 'agent'],
      }),
    ).toEqual({ status: 'offline', statusSource: 'broker' });
  });

  it('takes the last value of repeated keys otherwise', () => {
    expect(
      readPresence({ 'a2a-status': ['online', 'offline'], 'a2a-status-source': ['agent', 'lwt'] }),
    ).toEqual({ status: 'offline', statusSource: 'lwt' });
  });

  it('reads single values of a null-prototype object (as mqtt.js delivers them)', () => {
    const props = Object.create(null) as Record<string, string>;
    props['a2a-status'] = 'offline';
    props['a2a-status-source'] = 'lwt';
    expect(readPresence(props)).toEqual({ status: 'offline', statusSource: 'lwt' });
    const broker = Object.create(null) as Record<string, string>;
    broker['a2a-status'] = 'online';
    broker['a2a-status-source'] = 'broker';
    expect(readPresence(broker)).toEqual({ status: 'online', statusSource: 'broker' });
  });

  it('handles a missing source, a missing status and values that are not strings', () => {
    expect(readPresence({ 'a2a-status': 'online' })).toEqual({
      status: 'online',
      statusSource: undefined,
    });
    expect(readPresence({ 'a2a-status-source': 'agent' })).toEqual({
      status: 'unknown',
      statusSource: undefined,
    });
    expect(
      readPresence({ 'a2a-status': 1, 'a2a-status-source': 'agent' } as unknown as Record<
        string,
        string
      >),
    ).toEqual({ status: 'unknown', statusSource: undefined });
  });

  it('ignores inherited keys', () => {
    const inherited = Object.create({ 'a2a-status': 'online', 'a2a-status-source': 'agent' });
    expect(readPresence(inherited)).toEqual({ status: 'unknown', statusSource: undefined });
  });
});
