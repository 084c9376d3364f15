import { AgentCard, type AgentSkill } from '@a2a-js/sdk';

/** Version string every demo agent advertises. */
export const DEMO_AGENT_VERSION = '0.1.0';

/** What a demo card is built from. */
export interface DemoCardOptions {
  /** Human-readable agent name (what `discoverAgent(name)` matches). */
  name: string;
  /** One sentence on what the agent does. */
  description: string;
  /** The skills the agent advertises. */
  skills: Array<Pick<AgentSkill, 'id' | 'name' | 'description' | 'tags'> & { examples?: string[] }>;
  /** Output media types. @default ['text/plain'] */
  outputModes?: string[];
}

/**
 * Builds an A2A v1.0 Agent Card without any interface: `registerAgent` from
 * `@a2a-mqtt/discovery` adds the MQTT interface for the broker the agent is connected to.
 */
export function demoCard(options: DemoCardOptions): AgentCard {
  return AgentCard.fromJSON({
    name: options.name,
    description: options.description,
    version: DEMO_AGENT_VERSION,
    provider: { organization: 'a2a-mqtt demo', url: 'https://github.com/a2a-mqtt/a2a-mqtt' },
    capabilities: { streaming: true, pushNotifications: false, extensions: [] },
    defaultInputModes: ['text/plain'],
    defaultOutputModes: options.outputModes ?? ['text/plain'],
    skills: options.skills.map((skill) => ({
      ...skill,
      examples: skill.examples ?? [],
      inputModes: [],
      outputModes: [],
      securityRequirements: [],
    })),
  });
}
