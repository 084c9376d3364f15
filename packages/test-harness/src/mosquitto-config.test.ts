import { pbkdf2Sync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TEST_HARNESS_ERROR_CODE, TestHarnessError } from './errors.js';
import {
  buildAclFile,
  buildMosquittoConfig,
  buildPasswordFile,
  hashMosquittoPassword,
  resolveAclUsers,
} from './mosquitto-config.js';

const base = { port: 41_234, logFile: '/tmp/x/mosquitto.log', runAsRoot: false };

function lines(text: string): string[] {
  return text.split('\n');
}

describe('buildMosquittoConfig', () => {
  it('always sets tcp nodelay, the queue size, the log file and a loopback listener', () => {
    const config = lines(buildMosquittoConfig(base));
    expect(config).toContain('set_tcp_nodelay true');
    expect(config).toContain('max_queued_messages 20000');
    expect(config).toContain('log_dest file /tmp/x/mosquitto.log');
    expect(config).toContain('listener 41234 127.0.0.1');
    expect(config).toContain('allow_anonymous true');
    expect(config).toContain('persistence false');
    expect(config).not.toContain('user root');
    expect(config.join('\n')).not.toContain('message_size_limit');
  });

  it('adds user root only when asked', () => {
    expect(lines(buildMosquittoConfig({ ...base, runAsRoot: true }))).toContain('user root');
  });

  it('honours maxQueuedMessages and maxPacketSize', () => {
    const config = lines(
      buildMosquittoConfig({ ...base, maxQueuedMessages: 5, maxPacketSize: 2048 }),
    );
    expect(config).toContain('max_queued_messages 5');
    expect(config).toContain('max_packet_size 2048');
  });

  it('writes persistence with autosave on every change', () => {
    const config = lines(buildMosquittoConfig({ ...base, persistenceDir: '/tmp/x/data' }));
    expect(config).toEqual(
      expect.arrayContaining([
        'persistence true',
        'persistence_location /tmp/x/data/',
        'autosave_interval 1',
        'autosave_on_changes true',
      ]),
    );
  });

  it('puts listener options after the listener line (else mosquitto opens 1883)', () => {
    const config = lines(
      buildMosquittoConfig({
        ...base,
        passwordFile: '/tmp/x/passwords',
        aclFile: '/tmp/x/acl',
        tls: { caFile: 'ca', certFile: 'crt', keyFile: 'key', requireCertificate: true },
      }),
    );
    const listener = config.indexOf('listener 41234 127.0.0.1');
    expect(config.indexOf('allow_anonymous false')).toBeLessThan(listener);
    expect(config.indexOf('password_file /tmp/x/passwords')).toBeLessThan(listener);
    expect(config.indexOf('acl_file /tmp/x/acl')).toBeLessThan(listener);
    for (const option of [
      'use_username_as_clientid true',
      'cafile ca',
      'certfile crt',
      'keyfile key',
      'require_certificate true',
      'use_identity_as_username true',
    ]) {
      expect(config.indexOf(option), option).toBeGreaterThan(listener);
    }
  });

  it('refuses anonymous clients when client certificates are required', () => {
    const config = lines(
      buildMosquittoConfig({
        ...base,
        tls: { caFile: 'ca', certFile: 'crt', keyFile: 'key', requireCertificate: true },
      }),
    );
    expect(config).toContain('allow_anonymous false');
  });

  it('rejects message_size_limit in extra config', () => {
    expect(() =>
      buildMosquittoConfig({ ...base, extraConfig: ['message_size_limit 100'] }),
    ).toThrow(/message_size_limit/);
    expect(() =>
      buildMosquittoConfig({ ...base, extraConfig: ['message_size_limit 100'] }),
    ).toThrow(expect.objectContaining({ code: TEST_HARNESS_ERROR_CODE.INVALID_OPTIONS }));
  });
});

describe('buildAclFile', () => {
  const agents = [
    { org: 'acme', unit: 'sales', agent: 'alice' },
    { org: 'globex', unit: 'ops', agent: 'dave' },
  ];

  it('writes per-agent rules for the prefix with unit isolation', () => {
    const acl = buildAclFile({ prefix: 'a2a/v1', agents });
    const alice = acl.split('\n\n').find((block) => block.startsWith('user acme/sales/alice'));
    expect(alice?.split('\n')).toEqual([
      'user acme/sales/alice',
      'topic readwrite a2a/v1/discovery/acme/sales/alice',
      'topic read a2a/v1/discovery/acme/sales/+',
      'topic read a2a/v1/request/acme/sales/alice',
      'topic read a2a/v1/request/acme/sales/pool/+',
      'topic write a2a/v1/request/acme/sales/+',
      'topic write a2a/v1/request/acme/sales/pool/+',
      'topic read a2a/v1/reply/acme/sales/alice/+',
      'topic write a2a/v1/reply/acme/sales/+/+',
      'topic write a2a/v1/event/acme/sales/alice',
      'topic read a2a/v1/event/acme/sales/+',
    ]);
    expect(acl).toContain('user globex/ops/dave');
    expect(acl).not.toMatch(/^topic \w+ #$/m);
  });

  it('widens the scope to the org with isolation "org"', () => {
    const acl = buildAclFile({ prefix: '$a2a/v1', agents, isolation: 'org' });
    expect(acl).toContain('topic read $a2a/v1/discovery/acme/+/+');
    expect(acl).toContain('topic write $a2a/v1/request/acme/+/+');
    expect(acl).toContain('topic write $a2a/v1/reply/acme/+/+/+');
  });

  it('defaults to the $a2a/v1 prefix and grants super users the prefix, never bare #', () => {
    const acl = buildAclFile({
      agents: [],
      superUsers: [{ username: 'sniffer', password: 'x', access: 'read' }],
    });
    expect(acl).toContain('user sniffer\ntopic read $a2a/v1/#');
  });

  it('rejects invalid identifiers and prefixes with a typed error', () => {
    expect(() => buildAclFile({ agents: [{ org: 'ac me', unit: 'u', agent: 'a' }] })).toThrow(
      expect.objectContaining({ code: 'INVALID_IDENTIFIER' }),
    );
    expect(() => buildAclFile({ prefix: 'a2a/#', agents: [] })).toThrow(
      expect.objectContaining({ code: 'INVALID_TOPIC' }),
    );
  });
});

describe('passwords', () => {
  it('hashes like mosquitto_passwd 2.0 ($7$, PBKDF2-SHA512, 101 iterations)', () => {
    const salt = Buffer.alloc(12, 7);
    const hash = hashMosquittoPassword('secret', salt);
    const [, kind, iterations, saltB64, keyB64] = hash.split('$');
    expect(kind).toBe('7');
    expect(iterations).toBe('101');
    expect(Buffer.from(saltB64!, 'base64')).toEqual(salt);
    expect(Buffer.from(keyB64!, 'base64')).toEqual(pbkdf2Sync('secret', salt, 101, 64, 'sha512'));
  });

  it('writes one line per user and rejects a colon in a username', () => {
    const file = buildPasswordFile([
      { username: 'acme/sales/alice', password: 'a' },
      { username: 'admin', password: 'b' },
    ]);
    expect(
      file
        .trim()
        .split('\n')
        .map((line) => line.split(':')[0]),
    ).toEqual(['acme/sales/alice', 'admin']);
    expect(() => buildPasswordFile([{ username: 'a:b', password: 'x' }])).toThrow(/':'/);
    let error: unknown;
    try {
      buildPasswordFile([{ username: 'a:b', password: 'x' }]);
    } catch (caught) {
      error = caught;
    }
    expect(TestHarnessError.isInstance(error)).toBe(true);
    expect((error as TestHarnessError).code).toBe(TEST_HARNESS_ERROR_CODE.INVALID_OPTIONS);
  });

  it('resolves random passwords for agents without one', () => {
    const { agents, users } = resolveAclUsers(
      {
        agents: [
          { org: 'o', unit: 'u', agent: 'a', password: 'given' },
          { org: 'o', unit: 'u', agent: 'b' },
        ],
        superUsers: [{ username: 'root', password: 'r' }],
      },
      () => 'generated',
    );
    expect(agents.get('o/u/a')?.password).toBe('given');
    expect(agents.get('o/u/b')?.password).toBe('generated');
    expect(users.map((user) => user.username)).toEqual(['o/u/a', 'o/u/b', 'root']);
  });
});
