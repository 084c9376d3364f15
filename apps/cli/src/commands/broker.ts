import { clearBrokerState, writeBrokerState } from '../config.js';
import { EXIT_CODE, type ExitCode } from '../exit-codes.js';
import { type CliIo, whenAborted, writeJson, writeLine } from '../io.js';

/** `a2a-mqtt broker`: an embedded mosquitto until SIGINT/SIGTERM. */
export async function brokerCommand(options: { json: boolean }, io: CliIo): Promise<ExitCode> {
  // Loaded on demand: only this command needs the harness (and mosquitto).
  const { startBroker } = await import('@a2a-mqtt/test-harness');
  const broker = await startBroker();
  const prefix = broker.capabilities.recommendedPrefix;
  try {
    await writeBrokerState(io.env, {
      url: broker.url,
      pid: process.pid,
      prefix,
      startedAt: new Date().toISOString(),
    });
    if (options.json) {
      writeJson(io.stdout, { event: 'broker', url: broker.url, prefix, pid: broker.pid });
    } else {
      writeLine(io.stdout, broker.url);
      writeLine(
        io.stderr,
        `mosquitto (pid ${broker.pid}) listening on ${broker.url}; other a2a-mqtt commands use it by default`,
      );
      writeLine(
        io.stderr,
        `(elsewhere: export A2A_MQTT_URL=${broker.url} A2A_MQTT_PREFIX=${prefix})`,
      );
      writeLine(io.stderr, 'Ctrl-C to stop');
    }
    await whenAborted(io.signal);
  } finally {
    await clearBrokerState(io.env, process.pid);
    await broker.close();
  }
  if (options.json) writeJson(io.stdout, { event: 'stopped', url: broker.url });
  else writeLine(io.stderr, 'broker stopped');
  return EXIT_CODE.OK;
}
