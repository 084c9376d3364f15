import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';

/** A request as a raw responder sees it. */
export interface RawRequest {
  topic: string;
  correlationData: Buffer | undefined;
  responseTopic: string | undefined;
  userProperties: Record<string, string | string[]>;
  json: { jsonrpc: string; id: number; method: string; params: Record<string, unknown> };
}

/** What a raw responder's handler may do. */
export interface RawReplyApi {
  /** Publishes a JSON (or raw string) body to the request's Response Topic. */
  reply(
    body: unknown,
    options?: { correlationData?: Buffer | null; userProperties?: Record<string, string> },
  ): Promise<void>;
  result(result: unknown, userProperties?: Record<string, string>): Promise<void>;
}

/** A plain mqtt.js responder for tests that need to misbehave. */
export interface RawResponder {
  readonly requests: RawRequest[];
  readonly client: MqttClient;
  close(): Promise<void>;
}

/**
 * Starts a plain mqtt.js MQTT v5 responder on `topic` (integration tests only); `handle` is
 * called for every request and decides what (if anything) to answer.
 */
export async function startRawResponder(options: {
  url: string;
  topic: string;
  handle: (request: RawRequest, api: RawReplyApi, index: number) => void | Promise<void>;
}): Promise<RawResponder> {
  const client = await mqtt.connectAsync(options.url, {
    protocolVersion: 5,
    clientId: `raw-responder-${Math.random().toString(16).slice(2)}`,
    reconnectPeriod: 0,
  });
  const requests: RawRequest[] = [];
  client.on('message', (topic: string, payload: Buffer, packet: IPublishPacket) => {
    const properties = packet.properties ?? {};
    const request: RawRequest = {
      topic,
      correlationData: properties.correlationData as Buffer | undefined,
      responseTopic: properties.responseTopic,
      userProperties: (properties.userProperties ?? {}) as Record<string, string | string[]>,
      json: JSON.parse(payload.toString()),
    };
    const index = requests.push(request) - 1;
    const api: RawReplyApi = {
      reply: async (body, replyOptions) => {
        const correlationData =
          replyOptions?.correlationData === null
            ? undefined
            : (replyOptions?.correlationData ?? request.correlationData);
        await client
          .publishAsync(
            request.responseTopic as string,
            typeof body === 'string' ? body : JSON.stringify(body),
            {
              qos: 1,
              properties: {
                ...(correlationData ? { correlationData } : {}),
                ...(replyOptions?.userProperties
                  ? { userProperties: replyOptions.userProperties }
                  : {}),
              },
            },
          )
          .then(
            () => undefined,
            () => undefined,
          );
      },
      result: (result, userProperties) =>
        api.reply({ jsonrpc: '2.0', id: request.json.id, result }, { userProperties }),
    };
    void Promise.resolve(options.handle(request, api, index)).catch(() => undefined);
  });
  await client.subscribeAsync(options.topic, { qos: 1 });
  return {
    requests,
    client,
    close: async () => {
      await client.endAsync(false);
    },
  };
}
