import { describe, expect, it } from 'vitest';
import { quickContainerRuntimeCheck } from './container-runtime.js';

describe('quickContainerRuntimeCheck', () => {
  const none = () => false;

  it('reports the reason when nothing is configured', () => {
    const status = quickContainerRuntimeCheck({}, none);
    expect(status.available).toBe(false);
    expect(status.available ? '' : status.reason).toMatch(
      /no container runtime: DOCKER_HOST and TESTCONTAINERS_HOST_OVERRIDE are unset.*\/var\/run\/docker\.sock/,
    );
  });

  it('accepts DOCKER_HOST, TESTCONTAINERS_HOST_OVERRIDE or a socket file', () => {
    expect(quickContainerRuntimeCheck({ DOCKER_HOST: 'tcp://h:2375' }, none)).toEqual({
      available: true,
      via: 'DOCKER_HOST=tcp://h:2375',
    });
    expect(quickContainerRuntimeCheck({ TESTCONTAINERS_HOST_OVERRIDE: 'h' }, none).available).toBe(
      true,
    );
    expect(
      quickContainerRuntimeCheck(
        { XDG_RUNTIME_DIR: '/run/user/7' },
        (path) => path === '/run/user/7/podman/podman.sock',
      ),
    ).toEqual({ available: true, via: '/run/user/7/podman/podman.sock' });
  });
});
