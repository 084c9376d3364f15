import { A2AError, TaskNotFoundError } from '@a2a-js/sdk/errors';
import { A2A_MQTT_ERROR_CODE, isA2AMqttError } from '@a2a-mqtt/protocol';
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
  return text.split('\n')[0] ?? text;
}

/** Turns anything thrown by a command into a one-line message and an exit code. */
export function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (isA2AMqttError(error)) {
    const exitCode = BY_CODE[error.code] ?? EXIT_CODE.FAILURE;
    return new CliError(`${error.code}: ${firstLine(error.message)}`, exitCode);
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
