/**
 * Cheap detection of a container runtime for Testcontainers, so suites skip EMQX in
 * milliseconds with a reason instead of failing.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The result of {@link detectContainerRuntime}. */
export type ContainerRuntimeStatus =
  | {
      /** A container runtime answers. */
      available: true;
      /** How it was reached (`DOCKER_HOST`, a socket path, ...). */
      via: string;
    }
  | {
      /** No container runtime answers. */
      available: false;
      /** Why, in one sentence. */
      reason: string;
    };

/** Socket files where docker or podman usually listen. */
export function candidateContainerSockets(env: NodeJS.ProcessEnv = process.env): string[] {
  const home = homedir();
  const sockets = [
    '/var/run/docker.sock',
    '/run/docker.sock',
    join(home, '.docker/run/docker.sock'),
    join(home, '.docker/desktop/docker.sock'),
    join(home, '.colima/default/docker.sock'),
    join(home, '.rd/docker.sock'),
    '/run/podman/podman.sock',
  ];
  if (env.XDG_RUNTIME_DIR) {
    sockets.push(
      join(env.XDG_RUNTIME_DIR, 'docker.sock'),
      join(env.XDG_RUNTIME_DIR, 'podman/podman.sock'),
    );
  }
  return sockets;
}

/**
 * The cheap check only (no I/O beyond `existsSync`): `DOCKER_HOST`,
 * `TESTCONTAINERS_HOST_OVERRIDE` or a docker/podman socket file.
 */
export function quickContainerRuntimeCheck(
  env: NodeJS.ProcessEnv = process.env,
  exists: (path: string) => boolean = existsSync,
): ContainerRuntimeStatus {
  if (env.DOCKER_HOST) return { available: true, via: `DOCKER_HOST=${env.DOCKER_HOST}` };
  if (env.TESTCONTAINERS_HOST_OVERRIDE) {
    return {
      available: true,
      via: `TESTCONTAINERS_HOST_OVERRIDE=${env.TESTCONTAINERS_HOST_OVERRIDE}`,
    };
  }
  const sockets = candidateContainerSockets(env);
  const found = sockets.find((socket) => exists(socket));
  if (found) return { available: true, via: found };
  return {
    available: false,
    reason: `no container runtime: DOCKER_HOST and TESTCONTAINERS_HOST_OVERRIDE are unset and no docker/podman socket exists (checked ${sockets.join(', ')})`,
  };
}

let cached: Promise<ContainerRuntimeStatus> | undefined;

/**
 * The cheap check, then (when it passes) Testcontainers' `getContainerRuntimeClient()` to be
 * sure the runtime answers. `testcontainers` is imported lazily (optional peer dependency).
 * The result is cached per process.
 */
export function detectContainerRuntime(): Promise<ContainerRuntimeStatus> {
  cached ??= (async (): Promise<ContainerRuntimeStatus> => {
    const quick = quickContainerRuntimeCheck();
    if (!quick.available) return quick;
    let testcontainers: typeof import('testcontainers');
    try {
      testcontainers = await import('testcontainers');
    } catch (error) {
      return {
        available: false,
        reason: `the optional peer dependency 'testcontainers' is not installed (${(error as Error).message})`,
      };
    }
    try {
      await testcontainers.getContainerRuntimeClient();
      return quick;
    } catch (error) {
      return {
        available: false,
        reason: `container runtime found via ${quick.via} but not usable: ${(error as Error).message}`,
      };
    }
  })();
  return cached;
}
