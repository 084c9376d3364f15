import type { IClientOptions } from 'mqtt';
import type { BrokerCapabilities } from './capabilities.js';
import type { BrokerUser } from './mosquitto-config.js';
import type { ClientCertificate } from './tls-material.js';

/** The presets of {@link StartBrokerOptions.profile}. */
export type BrokerProfile = 'anonymous' | 'acl' | 'tls' | 'mtls' | 'persistent' | 'max-packet';

/** TLS material of a broker handle. */
export interface BrokerTlsInfo {
  /** CA certificate (PEM) clients must trust. */
  ca: string;
  /** A default client certificate (PEM), present on mTLS brokers. */
  cert?: string;
  /** Its private key (PEM). */
  key?: string;
  /** The name the server certificate is valid for (`localhost`; IP `127.0.0.1` also works). */
  serverName: string;
  /** Issues a client certificate signed by the run's CA; with mTLS, `commonName` is the username. */
  issueClientCertificate(commonName: string): Promise<ClientCertificate>;
}

/** Options of {@link BrokerHandle.restart}. */
export interface RestartOptions {
  /**
   * How the running broker is stopped before it starts again on the same port.
   * @default 'SIGTERM'
   */
  signal?: 'SIGTERM' | 'SIGKILL';
}

/** A running broker target (mosquitto process, EMQX container or external broker). */
export interface BrokerHandle {
  /**
   * Broker URL without credentials, e.g. `mqtt://127.0.0.1:41234` or `mqtts://127.0.0.1:41234`.
   * The same across `restart()`, except for EMQX started with `hostPort: 'random'`, where
   * Docker may publish another port: read it again after a restart.
   */
  readonly url: string;
  /** Host the broker listens on (`127.0.0.1` for mosquitto). */
  readonly host: string;
  /** TCP port the broker listens on (a free port picked at start; see `url` about restarts). */
  readonly port: number;
  /** PID of the broker process (mosquitto), `undefined` for containers and external brokers. */
  readonly pid: number | undefined;
  /** The preset it was started with, or `emqx` / `external`. */
  readonly profile: BrokerProfile | 'emqx' | 'external';
  /** What this broker does and does not do (see {@link MOSQUITTO_CAPABILITIES}). */
  readonly capabilities: BrokerCapabilities;
  /** The broker's private directory (config, data, certificates, log); mosquitto only. */
  readonly dataDir: string | undefined;
  /** CA, default client certificate and certificate issuer; TLS profiles only. */
  readonly tls?: BrokerTlsInfo;
  /** Every username/password the broker accepts (ACL profile). */
  readonly users?: readonly BrokerUser[];
  /** A user with full access to the ACL prefix (for sniffers and tools); ACL profile only. */
  readonly admin?: BrokerUser;
  /** Credentials of an agent declared in the ACL policy (throws `UNKNOWN_AGENT` otherwise). */
  agentCredentials?(agent: { org: string; unit: string; agent: string }): BrokerUser;
  /**
   * mqtt.js options to reach this broker (host, port, protocol, MQTT 5, CA and, with mTLS, the
   * default client certificate; `reconnectPeriod: 0`), merged with `overrides`.
   */
  clientOptions(overrides?: IClientOptions): IClientOptions;
  /**
   * Graceful stop (SIGTERM; mosquitto is SIGKILLed after 5 s, an EMQX container by Docker after
   * 10 s), resolves once the process exited. Files (the container) are kept: `restart()` works.
   */
  stop(): Promise<void>;
  /**
   * Crash (SIGKILL of the mosquitto process, `docker kill` of the EMQX container), resolves once
   * it stopped. No clean shutdown: persistent state is what the broker had saved. An external
   * broker rejects with `INVALID_OPTIONS`.
   */
  kill(): Promise<void>;
  /**
   * Stops (SIGTERM by default, SIGKILL with `signal: 'SIGKILL'`) and starts again with the same
   * files, on the same port (see `url` for the one exception). An external broker rejects with
   * `INVALID_OPTIONS`.
   */
  restart(options?: RestartOptions): Promise<void>;
  /** The broker log so far (log file and stderr). */
  logs(): string;
  /** Stops the broker and removes its directory; idempotent. */
  close(): Promise<void>;
  /** Same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}
