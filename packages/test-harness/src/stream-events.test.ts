import { describe, expect, it } from 'vitest';
import { isStreamEndingEvent } from './stream-events.js';

describe('isStreamEndingEvent', () => {
  it('reads JSON-RPC wire results', () => {
    const wrap = (result: unknown) => ({ jsonrpc: '2.0', id: 1, result });
    expect(
      isStreamEndingEvent(wrap({ statusUpdate: { status: { state: 'TASK_STATE_WORKING' } } })),
    ).toBe(false);
    expect(
      isStreamEndingEvent(wrap({ statusUpdate: { status: { state: 'TASK_STATE_COMPLETED' } } })),
    ).toBe(true);
    expect(
      isStreamEndingEvent(wrap({ task: { status: { state: 'TASK_STATE_INPUT_REQUIRED' } } })),
    ).toBe(true);
    expect(isStreamEndingEvent(wrap({ task: { status: { state: 'TASK_STATE_SUBMITTED' } } }))).toBe(
      false,
    );
    expect(isStreamEndingEvent(wrap({ message: { messageId: 'm' } }))).toBe(true);
    expect(isStreamEndingEvent(wrap({ artifactUpdate: { artifact: {} } }))).toBe(false);
    expect(isStreamEndingEvent({ jsonrpc: '2.0', id: 1, error: { code: -1, message: 'x' } })).toBe(
      true,
    );
  });

  it('reads @a2a-js/sdk objects with numeric states', () => {
    expect(
      isStreamEndingEvent({ payload: { $case: 'statusUpdate', value: { status: { state: 2 } } } }),
    ).toBe(false);
    expect(
      isStreamEndingEvent({ payload: { $case: 'statusUpdate', value: { status: { state: 3 } } } }),
    ).toBe(true);
    expect(
      isStreamEndingEvent({ payload: { $case: 'task', value: { status: { state: 7 } } } }),
    ).toBe(true);
    expect(isStreamEndingEvent({ payload: { $case: 'message', value: {} } })).toBe(true);
  });

  it('reads 0.3-style kinds and ignores junk', () => {
    expect(
      isStreamEndingEvent({ kind: 'status-update', status: { state: 'completed' }, final: true }),
    ).toBe(true);
    expect(isStreamEndingEvent({ kind: 'status-update', status: { state: 'working' } })).toBe(
      false,
    );
    expect(isStreamEndingEvent(null)).toBe(false);
    expect(isStreamEndingEvent('completed')).toBe(false);
  });
});
