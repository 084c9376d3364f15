import type { ResolvedConfig } from '../config.js';
import { connectCli, resolveAgent } from '../connect.js';
import { EXIT_CODE, type ExitCode } from '../exit-codes.js';
import { cardJson } from '../format.js';
import { type CliIo, writeJson, writeLine } from '../io.js';

/** `a2a-mqtt card <agent>`: the card as JSON (pretty in a terminal, one line with --json). */
export async function cardCommand(
  config: ResolvedConfig,
  options: { agent: string; json: boolean },
  io: CliIo,
): Promise<ExitCode> {
  const session = await connectCli(config, io);
  try {
    const entry = await resolveAgent(session, config, options.agent);
    if (options.json) {
      writeJson(io.stdout, cardJson(entry.card));
    } else {
      writeLine(io.stderr, `${entry.id} (${entry.status}) on ${entry.topic}`);
      writeLine(io.stdout, JSON.stringify(cardJson(entry.card), null, 2));
    }
    return EXIT_CODE.OK;
  } finally {
    await session.close();
  }
}
