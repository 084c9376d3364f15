/**
 * Recognising the end of an A2A stream in the shapes a test sees: JSON-RPC results on the wire
 * (`{ statusUpdate: { status: { state: 'TASK_STATE_COMPLETED' } } }`), @a2a-js/sdk objects
 * (`{ payload: { $case: 'statusUpdate', value } }`, numeric `TaskState`) and 0.3-style kinds.
 */

/** States that end a stream: terminal ones plus the interrupted INPUT_REQUIRED / AUTH_REQUIRED. */
export const STREAM_ENDING_STATES: readonly string[] = [
  'TASK_STATE_COMPLETED',
  'TASK_STATE_FAILED',
  'TASK_STATE_CANCELED',
  'TASK_STATE_REJECTED',
  'TASK_STATE_INPUT_REQUIRED',
  'TASK_STATE_AUTH_REQUIRED',
];

// @a2a-js/sdk `TaskState` numbers: COMPLETED 3, FAILED 4, CANCELED 5, INPUT_REQUIRED 6,
// REJECTED 7, AUTH_REQUIRED 8.
const ENDING_STATE_NUMBERS = new Set([3, 4, 5, 6, 7, 8]);
const LEGACY_ENDING = new Set([
  'completed',
  'failed',
  'canceled',
  'cancelled',
  'rejected',
  'input-required',
  'auth-required',
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Normalises a task state (string or enum number) to `TASK_STATE_*`, or `undefined`. */
function endsStream(state: unknown): boolean {
  if (typeof state === 'number') return ENDING_STATE_NUMBERS.has(state);
  if (typeof state !== 'string') return false;
  const upper = state.toUpperCase().replace(/-/g, '_');
  const full = upper.startsWith('TASK_STATE_') ? upper : `TASK_STATE_${upper}`;
  return STREAM_ENDING_STATES.includes(full) || LEGACY_ENDING.has(state.toLowerCase());
}

function stateOf(value: unknown): unknown {
  return isRecord(value) && isRecord(value.status) ? value.status.state : undefined;
}

/**
 * `true` when `event` ends an A2A stream: a message, a task or status update in a terminal or
 * interrupted state, or a JSON-RPC error. Accepts a JSON-RPC response (`{ result }` / `{ error }`),
 * a bare result, or an @a2a-js/sdk `StreamResponse` object.
 */
export function isStreamEndingEvent(event: unknown): boolean {
  if (!isRecord(event)) return false;
  if ('error' in event && event.jsonrpc === '2.0') return true;
  if ('result' in event && event.jsonrpc === '2.0') return isStreamEndingEvent(event.result);
  if (isRecord(event.payload) && typeof event.payload.$case === 'string') {
    const { $case, value } = event.payload as { $case: string; value: unknown };
    if ($case === 'message') return true;
    if ($case === 'task' || $case === 'statusUpdate') return endsStream(stateOf(value));
    return false;
  }
  if ('message' in event && isRecord(event.message)) return true;
  if (isRecord(event.task)) return endsStream(stateOf(event.task));
  if (isRecord(event.statusUpdate)) return endsStream(stateOf(event.statusUpdate));
  // 0.3-style objects and bare tasks / status updates.
  if (event.kind === 'message') return true;
  if (event.kind === 'status-update' || event.kind === 'task' || 'status' in event) {
    return endsStream(stateOf(event)) || event.final === true;
  }
  return false;
}
