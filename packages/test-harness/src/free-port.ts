import { createServer } from 'node:net';

/**
 * Finds a free TCP port by binding port 0 on `host` and closing the socket. Another process can
 * still take the port before it is used: callers retry on "address in use".
 *
 * @default host '127.0.0.1'
 */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close((error) => (error ? reject(error) : resolve(port)));
    });
  });
}
