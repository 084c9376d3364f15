/**
 * A private mosquitto 2.0 process per call: free port, own config/data directory in a temp dir,
 * readiness from the log, and process control (stop, kill, restart on the same port).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IClientOptions } from 'mqtt';
import type {
  BrokerHandle,
  BrokerProfile,
  BrokerTlsInfo,
  RestartOptions,
} from './broker-handle.js';
import { MOSQUITTO_CAPABILITIES } from './capabilities.js';
import { BrokerStartError, TEST_HARNESS_ERROR_CODE, TestHarnessError } from './errors.js';
import { findFreePort } from './free-port.js';
import {
  type AclPolicy,
  agentUsername,
  type BrokerUser,
  buildAclFile,
  buildMosquittoConfig,
  buildPasswordFile,
  resolveAclUsers,
} from './mosquitto-config.js';
import {
  trackChildProcess,
  trackDirectory,
  trackDisposer,
  untrackDirectory,
} from './process-registry.js';
import { DEFAULT_CLIENT_CERTIFICATE_CN, generateTlsMaterial } from './tls-material.js';

/** Default mosquitto binary (Debian's 2.0.11); override with `A2A_MQTT_MOSQUITTO` or the option. */
export const DEFAULT_MOSQUITTO_PATH = '/usr/sbin/mosquitto';
/** Default bound on broker readiness. */
export const DEFAULT_BROKER_START_TIMEOUT_MS = 10_000;
/** Default bound on a graceful stop before the harness falls back to SIGKILL. */
export const DEFAULT_BROKER_STOP_TIMEOUT_MS = 5_000;
/** `max_packet_size` of the `'max-packet'` profile. */
export const DEFAULT_MAX_PACKET_SIZE = 16_384;
/** Username of the super user added to every ACL broker (full access to the prefix). */
export const HARNESS_ADMIN_USERNAME = 'a2a-mqtt-harness-admin';

/** The agents of the `'acl'` profile when no policy is given: two units of `acme`, one of `globex`. */
export const DEFAULT_ACL_POLICY: Readonly<AclPolicy> = Object.freeze({
  prefix: '$a2a/v1',
  isolation: 'unit' as const,
  agents: Object.freeze([
    { org: 'acme', unit: 'sales', agent: 'alice' },
    { org: 'acme', unit: 'sales', agent: 'bob' },
    { org: 'acme', unit: 'support', agent: 'carol' },
    { org: 'globex', unit: 'sales', agent: 'dave' },
  ]),
});

/** Options of {@link startBroker}. Explicit fields override the preset of `profile`. */
export interface StartBrokerOptions {
  /**
   * A preset: `'acl'` (users + ACL, {@link DEFAULT_ACL_POLICY} unless `acl` is given), `'tls'`,
   * `'mtls'` (client certificates required, CN = username), `'persistent'` (survives SIGTERM and
   * SIGKILL restarts), `'max-packet'` (`max_packet_size` {@link DEFAULT_MAX_PACKET_SIZE}).
   * @default 'anonymous'
   */
  profile?: BrokerProfile;
  /** Extra users of the password file (anonymous access is then refused). @default [] */
  users?: readonly BrokerUser[];
  /**
   * An ACL policy (implies a password file and `use_username_as_clientid true`).
   * @default the preset's policy: {@link DEFAULT_ACL_POLICY} for `'acl'`, none otherwise
   */
  acl?: AclPolicy;
  /**
   * Serve MQTT over TLS with per-run certificates; `mutual` requires client certificates.
   * @default the preset's: `{}` for `'tls'`, `{ mutual: true }` for `'mtls'`, none otherwise
   */
  tls?: { mutual?: boolean };
  /** `persistence true` with `autosave_interval 1`, `autosave_on_changes true`. @default false */
  persistence?: boolean;
  /** `max_packet_size` in bytes (never `message_size_limit`). @default unset */
  maxPacketSize?: number;
  /** `max_queued_messages`. @default 20_000 */
  maxQueuedMessages?: number;
  /** Extra global config lines. @default [] */
  extraConfig?: readonly string[];
  /** @default 10_000 ({@link DEFAULT_BROKER_START_TIMEOUT_MS}) */
  startTimeoutMs?: number;
  /** @default process.env.A2A_MQTT_MOSQUITTO ?? '/usr/sbin/mosquitto' */
  mosquittoPath?: string;
}

/** A running mosquitto started by {@link startBroker}. */
export interface MosquittoBrokerHandle extends BrokerHandle {
  /** PID of the mosquitto process (changes after `restart()`). */
  readonly pid: number;
  /** The preset it was started with. */
  readonly profile: BrokerProfile;
  /** The broker's private directory (config, data, certificates, log). */
  readonly dataDir: string;
  /** The generated `mosquitto.conf`. */
  readonly configFile: string;
  /** The broker's log file. */
  readonly logFile: string;
  /** `true` while the process is alive. */
  readonly running: boolean;
}

interface ResolvedOptions {
  profile: BrokerProfile;
  users: BrokerUser[];
  acl: AclPolicy | undefined;
  tls: { mutual: boolean } | undefined;
  persistence: boolean;
  maxPacketSize: number | undefined;
  maxQueuedMessages: number | undefined;
  extraConfig: readonly string[];
  startTimeoutMs: number;
  mosquittoPath: string;
}

function resolveOptions(options: StartBrokerOptions): ResolvedOptions {
  const profile = options.profile ?? 'anonymous';
  const known: BrokerProfile[] = ['anonymous', 'acl', 'tls', 'mtls', 'persistent', 'max-packet'];
  if (!known.includes(profile)) {
    throw new TestHarnessError({
      code: TEST_HARNESS_ERROR_CODE.INVALID_OPTIONS,
      message: `Unknown broker profile '${String(profile)}' (expected one of ${known.join(', ')})`,
    });
  }
  let tls = options.tls ? { mutual: options.tls.mutual ?? false } : undefined;
  if (!tls && profile === 'tls') tls = { mutual: false };
  if (!tls && profile === 'mtls') tls = { mutual: true };
  return {
    profile,
    users: [...(options.users ?? [])],
    acl: options.acl ?? (profile === 'acl' ? DEFAULT_ACL_POLICY : undefined),
    tls,
    persistence: options.persistence ?? profile === 'persistent',
    maxPacketSize:
      options.maxPacketSize ?? (profile === 'max-packet' ? DEFAULT_MAX_PACKET_SIZE : undefined),
    maxQueuedMessages: options.maxQueuedMessages,
    extraConfig: options.extraConfig ?? [],
    startTimeoutMs: options.startTimeoutMs ?? DEFAULT_BROKER_START_TIMEOUT_MS,
    mosquittoPath:
      options.mosquittoPath ?? process.env.A2A_MQTT_MOSQUITTO ?? DEFAULT_MOSQUITTO_PATH,
  };
}

const MAX_CAPTURED_OUTPUT = 64 * 1024;
const READY_LINE = /mosquitto version \S+ running/;
const ADDRESS_IN_USE = /Address already in use/i;

function tail(text: string, lines = 30): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function tcpProbe(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTcp({ host, port });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Starts a private mosquitto on a free port of 127.0.0.1 with its own config, data directory and
 * log in a temp dir, and resolves once it accepts connections. Every process is tracked and
 * killed when this process exits; call `close()` (or use `useBroker()` from
 * `@a2a-mqtt/test-harness/vitest`) to stop it and remove its files.
 *
 * @example
 * ```ts
 * import mqtt from 'mqtt';
 * const broker = await startBroker({ profile: 'acl' });
 * try {
 *   const alice = broker.agentCredentials!({ org: 'acme', unit: 'sales', agent: 'alice' });
 *   const client = await mqtt.connectAsync(broker.clientOptions({ ...alice, clientId: alice.username }));
 *   await client.endAsync();
 * } finally {
 *   await broker.close();
 * }
 * ```
 */
export async function startBroker(
  options: StartBrokerOptions = {},
): Promise<MosquittoBrokerHandle> {
  const resolved = resolveOptions(options);
  const dataDir = await mkdtemp(join(tmpdir(), 'a2a-mqtt-broker-'));
  trackDirectory(dataDir);
  try {
    return await startInDirectory(resolved, dataDir);
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    untrackDirectory(dataDir);
    throw error;
  }
}

async function startInDirectory(
  options: ResolvedOptions,
  dataDir: string,
): Promise<MosquittoBrokerHandle> {
  const host = '127.0.0.1';
  const configFile = join(dataDir, 'mosquitto.conf');
  const logFile = join(dataDir, 'mosquitto.log');
  const persistenceDir = join(dataDir, 'data');
  await mkdir(persistenceDir);

  // Users: explicit users + the ACL policy's agents + a harness super user.
  let agentUsers = new Map<string, BrokerUser>();
  let admin: BrokerUser | undefined;
  const users: BrokerUser[] = [...options.users];
  let aclFile: string | undefined;
  if (options.acl) {
    admin = { username: HARNESS_ADMIN_USERNAME, password: randomPassword() };
    const policy: AclPolicy = {
      ...options.acl,
      superUsers: [...(options.acl.superUsers ?? []), admin],
    };
    const resolvedUsers = resolveAclUsers(policy);
    agentUsers = resolvedUsers.agents;
    users.push(...resolvedUsers.users);
    aclFile = join(dataDir, 'acl');
    await writeFile(aclFile, buildAclFile(policy), { mode: 0o600 });
  }
  let passwordFile: string | undefined;
  if (users.length > 0) {
    passwordFile = join(dataDir, 'passwords');
    await writeFile(passwordFile, buildPasswordFile(users), { mode: 0o600 });
  }

  let tlsInfo: BrokerTlsInfo | undefined;
  let tlsFiles: Parameters<typeof buildMosquittoConfig>[0]['tls'];
  if (options.tls) {
    const certificatesDir = join(dataDir, 'certs');
    await mkdir(certificatesDir);
    const material = await generateTlsMaterial(certificatesDir);
    tlsFiles = {
      caFile: material.caFile,
      certFile: material.serverCertFile,
      keyFile: material.serverKeyFile,
      requireCertificate: options.tls.mutual,
    };
    const client = options.tls.mutual
      ? await material.issueClientCertificate(DEFAULT_CLIENT_CERTIFICATE_CN)
      : undefined;
    tlsInfo = {
      ca: material.ca,
      serverName: material.serverName,
      issueClientCertificate: (commonName) => material.issueClientCertificate(commonName),
      ...(client ? { cert: client.cert, key: client.key } : {}),
    };
  }

  const writeConfig = (port: number) =>
    writeFile(
      configFile,
      buildMosquittoConfig({
        port,
        host,
        logFile,
        runAsRoot: typeof process.getuid === 'function' && process.getuid() === 0,
        maxQueuedMessages: options.maxQueuedMessages,
        passwordFile,
        aclFile,
        persistenceDir: options.persistence ? persistenceDir : undefined,
        tls: tlsFiles,
        maxPacketSize: options.maxPacketSize,
        extraConfig: options.extraConfig,
      }),
    );

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let output = '';
  let lastPid = 0;
  let closed = false;
  let cachedLogs: string | undefined;

  const readLog = (): string => {
    if (cachedLogs !== undefined) return cachedLogs;
    const file = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
    return output ? `${file}${file.endsWith('\n') || !file ? '' : '\n'}${output}` : file;
  };

  const isRunning = () =>
    child !== undefined && child.exitCode === null && child.signalCode === null;

  /** Spawns once on `port`; resolves 'ready' | 'in-use', throws on other failures. */
  const spawnOnce = async (port: number): Promise<'ready' | 'in-use'> => {
    await writeConfig(port);
    const logOffset = existsSync(logFile) ? readFileSync(logFile).length : 0;
    const outputOffset = output.length;
    const spawned = spawn(options.mosquittoPath, ['-c', configFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exitPromise = new Promise<void>((resolve) => {
      spawned.once('exit', () => resolve());
      spawned.once('error', () => resolve());
    });
    let spawnError: Error | undefined;
    spawned.once('error', (error) => {
      spawnError = error;
    });
    const capture = (chunk: Buffer) => {
      if (output.length < MAX_CAPTURED_OUTPUT) output += chunk.toString('utf8');
    };
    spawned.stdout?.on('data', capture);
    spawned.stderr?.on('data', capture);
    trackChildProcess(spawned);
    child = spawned;
    exited = exitPromise;
    if (spawned.pid !== undefined) lastPid = spawned.pid;

    const deadline = Date.now() + options.startTimeoutMs;
    for (;;) {
      const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(logOffset) : '';
      const recentOutput = output.slice(outputOffset);
      if (spawnError) {
        throw new BrokerStartError({
          message: `Could not run ${options.mosquittoPath}: ${spawnError.message}`,
          logTail: tail(`${log}${recentOutput}`),
          cause: spawnError,
        });
      }
      if (spawned.exitCode !== null || spawned.signalCode !== null) {
        if (ADDRESS_IN_USE.test(log) || ADDRESS_IN_USE.test(recentOutput)) return 'in-use';
        throw new BrokerStartError({
          message: `mosquitto exited during startup (code ${spawned.exitCode}, signal ${spawned.signalCode})`,
          logTail: tail(`${log}${recentOutput}`),
        });
      }
      if (READY_LINE.test(log) && (await tcpProbe(host, port))) {
        // The probe may have hit a process that stole the port; mosquitto would have exited.
        if (spawned.exitCode === null && spawned.signalCode === null) return 'ready';
        continue;
      }
      if (Date.now() > deadline) {
        spawned.kill('SIGKILL');
        await exitPromise;
        throw new BrokerStartError({
          message: `mosquitto did not become ready on ${host}:${port} within ${options.startTimeoutMs} ms`,
          logTail: tail(`${log}${recentOutput}`),
        });
      }
      await delay(20);
    }
  };

  let port = 0;
  for (let attempt = 1; ; attempt += 1) {
    port = await findFreePort(host);
    if ((await spawnOnce(port)) === 'ready') break;
    if (attempt >= 5) {
      throw new BrokerStartError({
        message: `No free port after ${attempt} attempts (address in use)`,
        logTail: tail(readLog()),
      });
    }
  }

  const signalAndWait = async (signal: 'SIGTERM' | 'SIGKILL'): Promise<void> => {
    const current = child;
    if (!current || !isRunning()) return;
    current.kill(signal);
    if (signal === 'SIGKILL') {
      await exited;
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      exited.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), DEFAULT_BROKER_STOP_TIMEOUT_MS);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      current.kill('SIGKILL');
      await exited;
    }
  };

  const startOnSamePort = async (): Promise<void> => {
    // The port was ours a moment ago; a short bounded retry covers a slow socket release.
    const deadline = Date.now() + options.startTimeoutMs;
    for (;;) {
      if ((await spawnOnce(port)) === 'ready') return;
      if (Date.now() > deadline) {
        throw new BrokerStartError({
          message: `Port ${port} stayed in use; could not restart mosquitto on it`,
          logTail: tail(readLog()),
        });
      }
      await delay(50);
    }
  };

  const protocol = options.tls ? 'mqtts' : 'mqtt';
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    unregister();
    await signalAndWait('SIGTERM');
    cachedLogs = readLog();
    await rm(dataDir, { recursive: true, force: true });
    untrackDirectory(dataDir);
  };
  const unregister = trackDisposer(close);

  const handle: MosquittoBrokerHandle = {
    url: `${protocol}://${host}:${port}`,
    host,
    port,
    get pid() {
      return child?.pid ?? lastPid;
    },
    profile: options.profile,
    capabilities: MOSQUITTO_CAPABILITIES,
    dataDir,
    configFile,
    logFile,
    get running() {
      return isRunning();
    },
    ...(tlsInfo ? { tls: tlsInfo } : {}),
    ...(users.length > 0 ? { users: Object.freeze([...users]) } : {}),
    ...(admin ? { admin } : {}),
    ...(options.acl
      ? {
          agentCredentials(agent: { org: string; unit: string; agent: string }): BrokerUser {
            const username = agentUsername(agent);
            const user = agentUsers.get(username);
            if (!user) {
              throw new TestHarnessError({
                code: TEST_HARNESS_ERROR_CODE.UNKNOWN_AGENT,
                message: `Agent '${username}' is not part of this broker's ACL policy`,
              });
            }
            return { ...user };
          },
        }
      : {}),
    clientOptions(overrides: IClientOptions = {}): IClientOptions {
      return {
        host,
        port,
        protocol,
        protocolVersion: 5,
        reconnectPeriod: 0,
        connectTimeout: 5_000,
        ...(tlsInfo
          ? {
              ca: tlsInfo.ca,
              servername: tlsInfo.serverName,
              ...(tlsInfo.cert ? { cert: tlsInfo.cert, key: tlsInfo.key } : {}),
            }
          : {}),
        ...overrides,
      };
    },
    stop: () => signalAndWait('SIGTERM'),
    kill: () => signalAndWait('SIGKILL'),
    async restart(restartOptions: RestartOptions = {}) {
      if (closed) {
        throw new TestHarnessError({
          code: TEST_HARNESS_ERROR_CODE.INVALID_OPTIONS,
          message: 'Cannot restart a broker after close()',
        });
      }
      await signalAndWait(restartOptions.signal ?? 'SIGTERM');
      await startOnSamePort();
    },
    logs: readLog,
    close,
    [Symbol.asyncDispose]: close,
  };
  return handle;
}

function randomPassword(): string {
  return randomBytes(12).toString('base64url');
}
