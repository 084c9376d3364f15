import { randomUUID } from 'node:crypto';
import { SendMessageRequest, type StreamResponse } from '@a2a-js/sdk';
import { createA2AMqttClient } from '@a2a-mqtt/client';

/** Finds the agent named `echo` through discovery, streams one message to it, returns the events. */
export async function askEcho({
  url,
  text,
}: {
  url: string; // e.g. 'mqtt://localhost:1883/acme/eng': org and unit from the URL path
  text: string;
}): Promise<StreamResponse[]> {
  const agent = await createA2AMqttClient({ url, agent: 'echo' }); // no address configured
  const events: StreamResponse[] = [];
  try {
    const stream = agent.client.sendMessageStream(
      SendMessageRequest.fromJSON({
        message: { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text }] },
      }),
    );
    for await (const event of stream) events.push(event); // ends after the final status
  } finally {
    await agent.close();
  }
  return events;
}
