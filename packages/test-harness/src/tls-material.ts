/**
 * Per-run TLS material made with the `openssl` CLI: a throw-away CA, a server certificate for
 * `localhost` / `127.0.0.1`, and client certificates whose CN becomes the MQTT username under
 * `use_identity_as_username true`.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TEST_HARNESS_ERROR_CODE, TestHarnessError } from './errors.js';

const execFileAsync = promisify(execFile);

/** The server name the generated server certificate is valid for (plus IP 127.0.0.1). */
export const TLS_SERVER_NAME = 'localhost';
/** The CN of the default client certificate of an mTLS broker. */
export const DEFAULT_CLIENT_CERTIFICATE_CN = 'a2a-mqtt-test-client';

/** A PEM certificate and its unencrypted PEM private key. */
export interface ClientCertificate {
  /** The subject CN (the MQTT username with `use_identity_as_username`). */
  commonName: string;
  /** The certificate (PEM). */
  cert: string;
  /** Its unencrypted private key (PEM). */
  key: string;
  /** Path of the certificate file. */
  certFile: string;
  /** Path of the key file. */
  keyFile: string;
}

/** The CA and server certificate of one run, with a way to issue client certificates. */
export interface TlsMaterial {
  /** CA certificate (PEM); pass as `ca` to clients. */
  ca: string;
  /** Path of the CA certificate file. */
  caFile: string;
  /** Path of the server certificate file. */
  serverCertFile: string;
  /** Path of the server key file. */
  serverKeyFile: string;
  /** The name the server certificate is valid for (use as `servername`). */
  serverName: string;
  /** Issues a client certificate signed by the run's CA. */
  issueClientCertificate(commonName: string): Promise<ClientCertificate>;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await execFileAsync('openssl', args, { cwd, timeout: 30_000 });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new TestHarnessError({
      code: TEST_HARNESS_ERROR_CODE.CERTIFICATE_FAILED,
      message: `openssl ${args[0]} failed: ${stderr.trim() || (error as Error).message}`,
      cause: error,
    });
  }
}

/** Escapes a value for an `openssl -subj` string (`/` and `\` are special). */
export function opensslSubject(commonName: string): string {
  if (/[\r\n]/.test(commonName) || commonName.length === 0) {
    throw new TestHarnessError({
      code: TEST_HARNESS_ERROR_CODE.INVALID_OPTIONS,
      message: `Invalid certificate common name '${commonName}'`,
    });
  }
  return `/CN=${commonName.replace(/[\\/]/g, (character) => `\\${character}`)}`;
}

const KEY_ARGS = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/**
 * Generates a CA and a server certificate (SAN `DNS:localhost, IP:127.0.0.1`) in `directory`.
 */
export async function generateTlsMaterial(directory: string): Promise<TlsMaterial> {
  const caFile = join(directory, 'ca.crt');
  const caKeyFile = join(directory, 'ca.key');
  await openssl(
    [
      'req',
      '-x509',
      ...KEY_ARGS,
      '-keyout',
      caKeyFile,
      '-out',
      caFile,
      '-days',
      '2',
      '-subj',
      '/CN=a2a-mqtt test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    directory,
  );
  let serial = 1;
  const issue = async (
    name: string,
    commonName: string,
    extensions: string,
  ): Promise<{ certFile: string; keyFile: string }> => {
    const keyFile = join(directory, `${name}.key`);
    const csrFile = join(directory, `${name}.csr`);
    const certFile = join(directory, `${name}.crt`);
    const extFile = join(directory, `${name}.ext`);
    await writeFile(extFile, extensions);
    await openssl(
      [
        'req',
        ...KEY_ARGS,
        '-keyout',
        keyFile,
        '-out',
        csrFile,
        '-subj',
        opensslSubject(commonName),
      ],
      directory,
    );
    serial += 1;
    await openssl(
      [
        'x509',
        '-req',
        '-in',
        csrFile,
        '-CA',
        caFile,
        '-CAkey',
        caKeyFile,
        '-set_serial',
        String(serial),
        '-days',
        '2',
        '-out',
        certFile,
        '-extfile',
        extFile,
      ],
      directory,
    );
    return { certFile, keyFile };
  };
  const server = await issue(
    'server',
    TLS_SERVER_NAME,
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n',
  );
  const ca = await readFile(caFile, 'utf8');
  let clientIndex = 0;
  return {
    ca,
    caFile,
    serverCertFile: server.certFile,
    serverKeyFile: server.keyFile,
    serverName: TLS_SERVER_NAME,
    async issueClientCertificate(commonName) {
      clientIndex += 1;
      const files = await issue(
        `client-${clientIndex}`,
        commonName,
        'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n',
      );
      const [cert, key] = await Promise.all([
        readFile(files.certFile, 'utf8'),
        readFile(files.keyFile, 'utf8'),
      ]);
      return { commonName, cert, key, certFile: files.certFile, keyFile: files.keyFile };
    },
  };
}
