import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import {
  type BrokerEndpoint,
  createReplySuffix,
  createTopics,
  DEFAULT_TOPIC_PREFIX,
  isA2AMqttError,
  parseBrokerUrl,
  type TopicScheme,
  validateIdentifier,
} from '@a2a-mqtt/protocol';
import type { CommonOptions } from './args.js';
import { CliError, EXIT_CODE, usageError } from './exit-codes.js';

/** Org used when neither `--org`, the URL nor `A2A_MQTT_ORG` names one. */
export const DEFAULT_ORG = 'demo';
/** Unit used when neither `--unit`, the URL nor `A2A_MQTT_UNIT` names one. */
export const DEFAULT_UNIT = 'default';

/** What `a2a-mqtt broker` records so other commands find its broker. */
export interface BrokerState {
  url: string;
  pid: number;
  prefix: string;
  startedAt: string;
}

/** The directory of the broker state file (`A2A_MQTT_STATE_DIR`, or a per-user temp dir). */
export function stateDirectory(env: NodeJS.ProcessEnv): string {
  if (env.A2A_MQTT_STATE_DIR) return env.A2A_MQTT_STATE_DIR;
  let user = 'user';
  try {
    user = String(userInfo().uid >= 0 ? userInfo().uid : userInfo().username);
  } catch {
    // No user database entry (some containers): one shared directory.
  }
  return join(tmpdir(), `a2a-mqtt-${user}`);
}

function stateFile(env: NodeJS.ProcessEnv): string {
  return join(stateDirectory(env), 'broker.json');
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads the state of a running `a2a-mqtt broker` (undefined when none runs). */
export async function readBrokerState(env: NodeJS.ProcessEnv): Promise<BrokerState | undefined> {
  try {
    const state = JSON.parse(await readFile(stateFile(env), 'utf8')) as BrokerState;
    if (typeof state.url !== 'string' || typeof state.pid !== 'number') return undefined;
    return processAlive(state.pid) ? state : undefined;
  } catch {
    return undefined;
  }
}

/** Records the running broker (see {@link readBrokerState}). */
export async function writeBrokerState(env: NodeJS.ProcessEnv, state: BrokerState): Promise<void> {
  await mkdir(stateDirectory(env), { recursive: true, mode: 0o700 });
  await writeFile(stateFile(env), `${JSON.stringify(state)}\n`, { mode: 0o600 });
}

/** Removes the record if it is ours. */
export async function clearBrokerState(env: NodeJS.ProcessEnv, pid: number): Promise<void> {
  const current = await readBrokerState(env);
  if (current === undefined || current.pid === pid) {
    await rm(stateFile(env), { force: true });
  }
}

/** Everything a command needs to reach the agents. */
export interface ResolvedConfig {
  /** Broker URL, credentials included: hand it to libraries, never print it. */
  brokerUrl: string;
  /** The endpoint (prints without credentials). */
  endpoint: BrokerEndpoint;
  org: string;
  unit: string;
  /** `true` when the unit came from `--unit`, the URL or the environment (not the default). */
  unitExplicit: boolean;
  topics: TopicScheme;
  /** Where the broker URL came from (for messages). */
  source: 'flag' | 'env' | 'embedded';
  /** The requester id of this CLI: the URL's username when it is `{org}/{unit}/{agent}`. */
  requesterId: string;
}

function identifier(value: string, kind: 'org' | 'unit'): string {
  try {
    return validateIdentifier(value, kind);
  } catch (error) {
    throw usageError(error instanceof Error ? error.message : String(error));
  }
}

function sameBroker(url: string, endpoint: BrokerEndpoint): boolean {
  try {
    const recorded = parseBrokerUrl(url);
    return (
      recorded.protocol === endpoint.protocol &&
      recorded.port === endpoint.port &&
      (recorded.host === endpoint.host || (isLoopback(recorded.host) && isLoopback(endpoint.host)))
    );
  } catch {
    return false;
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || host.startsWith('127.');
}

/** Resolves broker, namespace and prefix from flags, environment and a running `a2a-mqtt broker`. */
export async function resolveConfig(
  common: CommonOptions,
  env: NodeJS.ProcessEnv,
): Promise<ResolvedConfig> {
  let brokerUrl = common.broker ?? env.A2A_MQTT_URL;
  let source: ResolvedConfig['source'] = common.broker !== undefined ? 'flag' : 'env';
  let statePrefix: string | undefined;
  if (brokerUrl === undefined || brokerUrl === '') {
    const state = await readBrokerState(env);
    if (state === undefined) {
      throw new CliError(
        'no broker: pass --broker URL, set A2A_MQTT_URL, or start one with `a2a-mqtt broker`',
        EXIT_CODE.BROKER,
      );
    }
    brokerUrl = state.url;
    source = 'embedded';
    statePrefix = state.prefix;
  }
  let endpoint: BrokerEndpoint;
  try {
    endpoint = parseBrokerUrl(brokerUrl);
  } catch (error) {
    const message = isA2AMqttError(error) ? error.message : String(error);
    throw new CliError(`invalid broker URL: ${message}`, EXIT_CODE.BROKER);
  }
  if (source !== 'embedded') {
    // `--broker <the URL printed by a2a-mqtt broker>` is the same broker as no --broker at all:
    // use its prefix too, or `serve --broker URL` and a plain `send` would miss each other.
    const state = await readBrokerState(env);
    if (state !== undefined && sameBroker(state.url, endpoint)) statePrefix = state.prefix;
  }
  const org = identifier(common.org ?? endpoint.org ?? env.A2A_MQTT_ORG ?? DEFAULT_ORG, 'org');
  const unitGiven = common.unit ?? endpoint.unit ?? env.A2A_MQTT_UNIT;
  const unit = identifier(unitGiven ?? DEFAULT_UNIT, 'unit');
  const prefix = common.prefix ?? env.A2A_MQTT_PREFIX ?? statePrefix ?? DEFAULT_TOPIC_PREFIX;
  let topics: TopicScheme;
  try {
    topics = createTopics({ prefix });
  } catch (error) {
    throw usageError(`invalid --prefix: ${error instanceof Error ? error.message : String(error)}`);
  }
  const userParts = endpoint.username?.split('/');
  const requesterId =
    userParts?.length === 3 && userParts[0] === org && userParts[1] === unit && userParts[2]
      ? userParts[2]
      : `cli-${createReplySuffix().slice(0, 8)}`;
  return {
    brokerUrl,
    endpoint,
    org,
    unit,
    unitExplicit: unitGiven !== undefined,
    topics,
    source,
    requesterId,
  };
}
