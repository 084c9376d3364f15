/** Agent card fixtures for tests (never exported). */
import { AgentCard } from '@a2a-js/sdk';

export function makeCard(
  name: string,
  options: { skills?: { id: string; tags: string[] }[]; description?: string } = {},
): AgentCard {
  return AgentCard.fromJSON({
    name,
    description: options.description ?? `${name} agent`,
    version: '1.0.0',
    supportedInterfaces: [
      {
        url: `https://${name.toLowerCase() || 'x'}.example/a2a`,
        protocolBinding: 'JSONRPC',
        protocolVersion: '1.0',
      },
    ],
    capabilities: { streaming: true },
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: (options.skills ?? [{ id: 'chat', tags: ['general'] }]).map((skill) => ({
      id: skill.id,
      name: skill.id,
      description: `${skill.id} skill`,
      tags: skill.tags,
    })),
  });
}
