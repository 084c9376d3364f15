/**
 * The one place that creates mqtt.js clients (tests can mock this module).
 *
 * For `mqtt://` and `mqtts://` the client gets our own stream builder, which mqtt.js calls on
 * the first connect and on every reconnect: each new socket gets TCP_NODELAY. Nagle's
 * algorithm against delayed ACKs costs about 88 ms per sequential request/reply
 * (broker-notes). For `ws://`/`wss://`, Node's HTTP client already disables Nagle on the
 * sockets it opens (`noDelay` defaults to true), so mqtt.js's builder is used as is.
 */
import net from 'node:net';
import tls from 'node:tls';
import { connect, type IClientOptions, MqttClient } from 'mqtt';

type Socket = net.Socket | tls.TLSSocket;

function withNoDelay<S extends Socket>(socket: S): S {
  // Applied now (Node keeps it for the handle it creates) and again once connected.
  socket.setNoDelay(true);
  return socket;
}

function buildTcpStream(options: IClientOptions): net.Socket {
  const socket = net.createConnection({
    host: options.hostname ?? options.host ?? 'localhost',
    port: options.port ?? 1883,
    noDelay: true,
  });
  socket.once('connect', () => socket.setNoDelay(true));
  return withNoDelay(socket);
}

function buildTlsStream(client: MqttClient, options: IClientOptions): tls.TLSSocket {
  const host = options.hostname ?? options.host ?? 'localhost';
  const rejectUnauthorized = options.rejectUnauthorized !== false;
  const tlsOptions: tls.ConnectionOptions = {
    host,
    port: options.port ?? 8883,
    rejectUnauthorized,
  };
  if (options.ca !== undefined) tlsOptions.ca = options.ca;
  if (options.cert !== undefined) tlsOptions.cert = options.cert;
  if (options.key !== undefined) tlsOptions.key = options.key as tls.ConnectionOptions['key'];
  const servername = options.servername ?? (net.isIP(host) === 0 ? host : undefined);
  if (servername !== undefined) tlsOptions.servername = servername;
  const socket = tls.connect(tlsOptions);
  // Like mqtt.js's TLS builder: a handshake failure becomes a client 'error' (it carries the
  // OpenSSL code, for example ERR_SSL_TLSV1_ALERT_UNKNOWN_CA).
  // Errors with a `code` are emitted by mqtt.js's own stream error handler; emit the others.
  const onHandshakeError = (error: Error): void => {
    if ((error as { code?: unknown }).code === undefined) client.emit('error', error);
    socket.destroy();
  };
  socket.on('error', onHandshakeError);
  socket.once('secureConnect', () => {
    socket.setNoDelay(true);
    if (rejectUnauthorized && !socket.authorized) {
      socket.emit('error', new Error('TLS not authorized'));
      return;
    }
    socket.removeListener('error', onHandshakeError);
  });
  return withNoDelay(socket);
}

/**
 * Creates an mqtt.js client that does not connect yet (`manualConnect`), so the caller can
 * attach its `message` handler before the first CONNACK.
 *
 * Takes ownership of `options`: mqtt.js keeps this very object as `client.options` and writes
 * into it. It is not copied, because a copy (a spread) would drop the non-enumerable accessors
 * that hold the password and the TLS key (see `buildMqttClientOptions`).
 */
export function createMqttClient(options: IClientOptions): MqttClient {
  options.manualConnect = true;
  const protocol = options.protocol;
  if (protocol === 'mqtt' || protocol === 'mqtts') {
    const builder = (client: MqttClient) =>
      protocol === 'mqtts' ? buildTlsStream(client, options) : buildTcpStream(options);
    return new MqttClient(builder, options);
  }
  return connect(options);
}
