import { DEMO_AGENT_KINDS, DEMO_AGENTS, type DemoAgentKind } from '@a2a-mqtt/demo/agents';
import { clientIdFor, isValidIdentifier } from '@a2a-mqtt/protocol';
import { createA2AMqttServer, createRequestHandler } from '@a2a-mqtt/server';
import type { ResolvedConfig } from '../config.js';
import { EXIT_CODE, type ExitCode, usageError } from '../exit-codes.js';
import { type CliIo, whenAborted, writeJson, writeLine } from '../io.js';

function isKind(value: string): value is DemoAgentKind {
  return (DEMO_AGENT_KINDS as readonly string[]).includes(value);
}

/** `a2a-mqtt serve <echo|code-generator|diagnosis> [--agent <id>]`: runs until SIGINT/SIGTERM. */
export async function serveCommand(
  config: ResolvedConfig,
  options: { kind: string; agent: string | undefined; json: boolean },
  io: CliIo,
): Promise<ExitCode> {
  if (!isKind(options.kind)) {
    throw usageError(
      `serve: unknown agent "${options.kind}" (one of: ${DEMO_AGENT_KINDS.join(', ')})`,
    );
  }
  const definition = DEMO_AGENTS[options.kind];
  const agentId = options.agent ?? definition.defaultAgentId;
  if (!isValidIdentifier(agentId)) {
    throw usageError(`serve: invalid --agent "${agentId}" (allowed: letters, digits, _ . -)`);
  }
  const address = { org: config.org, unit: config.unit, agent: agentId };
  const server = await createA2AMqttServer({
    session: { url: config.brokerUrl, logger: io.logger },
    agent: address,
    requestHandler: createRequestHandler({
      agentCard: definition.card(),
      agentExecutor: definition.createExecutor(),
    }),
    topics: config.topics,
    logger: io.logger,
  });
  const ready = {
    event: 'serving',
    kind: options.kind,
    agent: clientIdFor(address),
    requestTopic: server.requestTopic,
    broker: config.endpoint.toString(),
    prefix: config.topics.prefix,
  };
  if (options.json) writeJson(io.stdout, ready);
  else {
    writeLine(
      io.stdout,
      `serving ${options.kind} as ${ready.agent} on ${ready.broker} (prefix ${ready.prefix}); Ctrl-C to stop`,
    );
  }
  await whenAborted(io.signal);
  await server.close();
  if (options.json) writeJson(io.stdout, { event: 'stopped', agent: ready.agent });
  else writeLine(io.stdout, `stopped ${ready.agent} (card published offline)`);
  return EXIT_CODE.OK;
}
