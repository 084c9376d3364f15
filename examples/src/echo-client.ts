import { randomUUID } from 'node:crypto';
import { SendMessageRequest, type StreamResponse } from '@a2a-js/sdk';
import { createA2AMqttClient } from '@a2a-mqtt/client';

/** Finds the agent named `echo` by discovery, streams one message to it, returns the events. */
export async function askEcho(options: {
  url: string; // e.g. 'mqtt://localhost:1883/acme/eng': org and unit from the URL path
  text: string;
}): Promise<StreamResponse[]> {
  const agent = await createA2AMqttClient({ url: options.url, agent: 'echo' }); // no address
  const events: StreamResponse[] = [];
  try {
    const request = SendMessageRequest.fromJSON({
      message: { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text: options.text }] },
    });
    for await (const event of agent.client.sendMessageStream(request)) events.push(event);
  } finally {
    await agent.close(); // the stream ended after the final status
  }
  return events;
}
