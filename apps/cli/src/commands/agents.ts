import { createAgentDirectory } from '@a2a-mqtt/discovery';
import type { ResolvedConfig } from '../config.js';
import { connectCli } from '../connect.js';
import { EXIT_CODE, type ExitCode } from '../exit-codes.js';
import { entryJson, formatAgents } from '../format.js';
import { type CliIo, writeJson, writeLine } from '../io.js';

/** `a2a-mqtt agents [--watch]`. */
export async function agentsCommand(
  config: ResolvedConfig,
  options: { watch: boolean; json: boolean },
  io: CliIo,
): Promise<ExitCode> {
  const session = await connectCli(config, io);
  const directory = createAgentDirectory({
    session,
    scope: config.unitExplicit ? { org: config.org, unit: config.unit } : { org: config.org },
    topics: config.topics,
    logger: io.logger,
  });
  try {
    await directory.start();
    // Watch from the listed snapshot on (synchronously after start): the cards just listed are
    // not repeated as `added`, and nothing between the list and the watch is missed.
    const events = options.watch ? directory.watch() : undefined;
    const entries = directory.list().sort((a, b) => a.id.localeCompare(b.id));
    if (options.json) {
      for (const entry of entries) writeJson(io.stdout, entryJson(entry));
    } else {
      writeLine(io.stdout, formatAgents(entries));
    }
    if (events === undefined) return EXIT_CODE.OK;
    if (!options.json) writeLine(io.stderr, 'watching for changes (Ctrl-C to stop)...');
    io.signal.addEventListener('abort', () => void directory.close(), { once: true });
    for await (const event of events) {
      if (event.type === 'invalid') {
        if (options.json)
          writeJson(io.stdout, {
            event: 'invalid',
            topic: event.topic,
            reason: event.reason,
            message: event.message,
          });
        else writeLine(io.stdout, `invalid  ${event.topic}: ${event.message}`);
        continue;
      }
      if (options.json) {
        writeJson(io.stdout, { event: event.type, ...entryJson(event.entry) });
      } else {
        const source = event.entry.statusSource ? ` (${event.entry.statusSource})` : '';
        writeLine(
          io.stdout,
          `${event.type.padEnd(8)} ${event.entry.id}  ${event.entry.card.name}  ${event.entry.status}${source}`,
        );
      }
    }
    return EXIT_CODE.OK;
  } finally {
    await directory.close();
    await session.close();
  }
}
