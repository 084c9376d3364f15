/** Test fixtures shared by the unit tests (not exported from the package). */

/** A valid A2A v1.0 Agent Card in JSON form with an MQTT interface. */
export function sampleCard(): Record<string, unknown> {
  return {
    name: 'Triage Agent',
    description: 'Routes support requests to the right team.',
    version: '1.2.0',
    supportedInterfaces: [
      {
        url: 'mqtts://broker.example.com:8883/$a2a/v1/request/acme/support/triage',
        protocolBinding: 'MQTT5+JSONRPC',
        protocolVersion: '1.0',
      },
      { url: 'https://triage.example.com/a2a', protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
    ],
    provider: { url: 'https://acme.example.com', organization: 'ACME' },
    capabilities: { streaming: true, pushNotifications: false, extensions: [] },
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain', 'application/json'],
    skills: [
      {
        id: 'triage',
        name: 'Triage',
        description: 'Classify a support request.',
        tags: ['support', 'routing'],
        examples: ['My printer is on fire'],
      },
    ],
  };
}
