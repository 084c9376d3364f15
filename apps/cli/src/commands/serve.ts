import {
  CodeGeneratorAgentExecutor,
  DEMO_AGENT_KINDS,
  DEMO_AGENTS,
  type DemoAgentKind,
} from '@a2a-mqtt/demo/agents';
import { clientIdFor, isValidIdentifier } from '@a2a-mqtt/protocol';
import { createA2AMqttServer, createRequestHandler } from '@a2a-mqtt/server';
import type { ResolvedConfig } from '../config.js';
import { EXIT_CODE, type ExitCode, usageError } from '../exit-codes.js';
import { type CliIo, whenAborted, writeJson, writeLine } from '../io.js';
import { MODEL_ENV, modelFromEnv } from '../model.js';

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
  // A real model for the code generator when A2A_MQTT_MODEL_URL is set (the key stays secret).
  const model = modelFromEnv(io.env);
  if (model !== undefined && options.kind !== 'code-generator') {
    writeLine(
      io.stderr,
      `note: ${MODEL_ENV.URL} is set, but only serve code-generator uses a model`,
    );
  }
  const executor =
    model !== undefined && options.kind === 'code-generator'
      ? new CodeGeneratorAgentExecutor({ model: model.model })
      : definition.createExecutor();
  const modelInfo =
    model !== undefined && options.kind === 'code-generator'
      ? { name: model.name, endpoint: model.endpoint, authenticated: model.authenticated }
      : undefined;
  const address = { org: config.org, unit: config.unit, agent: agentId };
  const server = await createA2AMqttServer({
    session: { url: config.brokerUrl, logger: io.logger },
    agent: address,
    requestHandler: createRequestHandler({
      agentCard: definition.card(),
      agentExecutor: executor,
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
    ...(modelInfo ? { model: modelInfo } : {}),
  };
  if (options.json) writeJson(io.stdout, ready);
  else {
    writeLine(
      io.stdout,
      `serving ${options.kind} as ${ready.agent} on ${ready.broker} (prefix ${ready.prefix}); Ctrl-C to stop`,
    );
    if (modelInfo) {
      writeLine(
        io.stderr,
        `model ${modelInfo.name} at ${modelInfo.endpoint} (${modelInfo.authenticated ? `key from ${MODEL_ENV.API_KEY}` : 'no API key'})`,
      );
    }
  }
  await whenAborted(io.signal);
  await server.close();
  if (options.json) writeJson(io.stdout, { event: 'stopped', agent: ready.agent });
  else writeLine(io.stdout, `stopped ${ready.agent} (card published offline)`);
  return EXIT_CODE.OK;
}
