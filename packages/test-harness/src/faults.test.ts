import { describe, expect, it, vi } from 'vitest';
import { cutClientSocket } from './faults.js';

describe('cutClientSocket', () => {
  it('prefers destroySocket() of an MqttSession', () => {
    const session = { destroySocket: vi.fn(), stream: { destroy: vi.fn() } };
    cutClientSocket(session);
    expect(session.destroySocket).toHaveBeenCalledOnce();
    expect(session.stream.destroy).not.toHaveBeenCalled();
  });

  it('destroys the stream of a raw mqtt.js client', () => {
    const client = { stream: { destroy: vi.fn() } };
    cutClientSocket(client);
    expect(client.stream.destroy).toHaveBeenCalledOnce();
  });

  it('throws a typed error for anything else', () => {
    expect(() => cutClientSocket({ stream: null })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    );
  });
});
