import type { TaskState } from '@a2a-js/sdk';
import { A2AError, TaskNotFoundError } from '@a2a-js/sdk/errors';
import { stateName } from '@a2a-mqtt/demo/agents';
import { A2A_MQTT_ERROR_CODE, type A2AMqttError, isA2AMqttError } from '@a2a-mqtt/protocol';
import { CliError, EXIT_CODE, type ExitCode } from './exit-codes.js';

const BY_CODE: Partial<Record<string, ExitCode>> = {
  [A2A_MQTT_ERROR_CODE.INVALID_BROKER_URL]: EXIT_CODE.BROKER,
  [A2A_MQTT_ERROR_CODE.CONNECT_FAILED]: EXIT_CODE.BROKER,
  [A2A_MQTT_ERROR_CODE.NOT_AUTHORIZED]: EXIT_CODE.BROKER,
  [A2A_MQTT_ERROR_CODE.CONNECTION_CLOSED]: EXIT_CODE.BROKER,
  [A2A_MQTT_ERROR_CODE.INVALID_IDENTIFIER]: EXIT_CODE.USAGE,
  [A2A_MQTT_ERROR_CODE.INVALID_TOPIC]: EXIT_CODE.USAGE,
  [A2A_MQTT_ERROR_CODE.INVALID_OPTIONS]: EXIT_CODE.USAGE,
  [A2A_MQTT_ERROR_CODE.AGENT_NOT_FOUND]: EXIT_CODE.NOT_FOUND,
  [A2A_MQTT_ERROR_CODE.NO_MATCHING_SUBSCRIBERS]: EXIT_CODE.TIMEOUT,
  [A2A_MQTT_ERROR_CODE.REQUEST_TIMEOUT]: EXIT_CODE.TIMEOUT,
  [A2A_MQTT_ERROR_CODE.STREAM_IDLE_TIMEOUT]: EXIT_CODE.TIMEOUT,
  [A2A_MQTT_ERROR_CODE.RESPONDER_UNAVAILABLE]: EXIT_CODE.TIMEOUT,
  [A2A_MQTT_ERROR_CODE.REQUEST_EXPIRED]: EXIT_CODE.TIMEOUT,
  [A2A_MQTT_ERROR_CODE.ABORTED]: EXIT_CODE.INTERRUPTED,
};

function firstLine(text: string): string {
  return withStateNames(text.split('\n')[0] ?? text);
}

/**
 * Task states by name: the SDK's messages print the enum number ("is in a terminal state (3)");
 * users know `completed`.
 */
export function withStateNames(text: string): string {
  return text.replace(
    /\b(state)( \(|: ?)(\d{1,2})\b/gi,
    (match, word: string, separator: string, value: string) => {
      const name = stateName(Number(value) as TaskState);
      return name.startsWith('unrecognized') ? match : `${word}${separator}${name}`;
    },
  );
}

/** Messages of mqtt.js's packet parser: the bytes that came back are not MQTT. */
const NOT_MQTT =
  /^(Invalid header flag bits|Invalid (protocol|length|retain|will|user|password|topic|payload|property|packet)|Not supported|Malformed|Packet too short|Cannot parse|Invalid .*packet)/i;

/**
 * A connect failure against something that is not an MQTT v5 broker (an HTTP server, SSH, a
 * TLS port, a closed or silent socket), in one clear line; `undefined` for any other failure.
 */
export function notMqttMessage(error: A2AMqttError): string | undefined {
  if (error.code !== A2A_MQTT_ERROR_CODE.CONNECT_FAILED) return undefined;
  const broker = typeof error.details?.broker === 'string' ? error.details.broker : 'the broker';
  const cause = error.cause instanceof Error ? error.cause : undefined;
  const systemCode = (cause as NodeJS.ErrnoException | undefined)?.code;
  if (cause !== undefined && systemCode === undefined && NOT_MQTT.test(cause.message)) {
    return `the endpoint at ${broker} did not answer as an MQTT v5 broker (check the host, port and scheme)`;
  }
  if (/closed before a CONNACK/.test(error.message)) {
    return `the endpoint at ${broker} closed the connection without answering as an MQTT v5 broker`;
  }
  if (/connack timeout/i.test(cause?.message ?? error.message)) {
    return `the endpoint at ${broker} accepted the connection but did not answer as an MQTT v5 broker in time`;
  }
  return undefined;
}

/** Turns anything thrown by a command into a one-line message and an exit code. */
export function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (isA2AMqttError(error)) {
    const exitCode = BY_CODE[error.code] ?? EXIT_CODE.FAILURE;
    return new CliError(
      `${error.code}: ${notMqttMessage(error) ?? firstLine(error.message)}`,
      exitCode,
    );
  }
  if (error instanceof TaskNotFoundError) {
    return new CliError(`task not found: ${firstLine(error.message)}`, EXIT_CODE.NOT_FOUND);
  }
  if (error instanceof A2AError) {
    return new CliError(`the agent answered: ${firstLine(error.message)}`, EXIT_CODE.REMOTE_ERROR);
  }
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH') {
      return new CliError(`cannot reach the broker: ${firstLine(error.message)}`, EXIT_CODE.BROKER);
    }
    return new CliError(firstLine(error.message), EXIT_CODE.FAILURE);
  }
  return new CliError(String(error), EXIT_CODE.FAILURE);
}
