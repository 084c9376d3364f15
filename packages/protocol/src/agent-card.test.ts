import { describe, expect, it } from 'vitest';
import { assertAgentCard, formatAgentCardIssues, validateAgentCard } from './agent-card.js';
import { A2AMqttError } from './errors.js';
import { sampleCard } from './test-fixtures.js';

function issuesOf(card: unknown): { path: string; message: string }[] {
  const result = validateAgentCard(card);
  if (result.ok) throw new Error('expected the card to be invalid');
  return result.issues;
}

describe('validateAgentCard', () => {
  it('accepts a valid card and returns it', () => {
    const card = sampleCard();
    const result = validateAgentCard(card);
    expect(result).toEqual({ ok: true, card });
    if (result.ok) expect(result.card).toBe(card);
  });

  it('accepts a minimal card whose empty lists were omitted (proto3 JSON)', () => {
    const card = sampleCard();
    delete card.skills;
    delete card.defaultInputModes;
    delete card.defaultOutputModes;
    delete card.provider;
    expect(validateAgentCard(card).ok).toBe(true);
  });

  it('accepts an SDK-style object with undefined optional fields', () => {
    const card = {
      ...sampleCard(),
      provider: undefined,
      documentationUrl: undefined,
      signatures: [],
    };
    expect(validateAgentCard(card).ok).toBe(true);
  });

  it.each([
    ['name', (card: Record<string, any>) => delete card.name, 'is required'],
    ['name', (card: Record<string, any>) => (card.name = ''), 'must not be empty'],
    [
      'description',
      (card: Record<string, any>) => (card.description = 3),
      'expected a string, got a number',
    ],
    ['version', (card: Record<string, any>) => delete card.version, 'is required'],
    [
      'supportedInterfaces',
      (card: Record<string, any>) => delete card.supportedInterfaces,
      'is required',
    ],
    [
      'supportedInterfaces',
      (card: Record<string, any>) => (card.supportedInterfaces = []),
      'must not be empty',
    ],
    [
      'supportedInterfaces',
      (card: Record<string, any>) => (card.supportedInterfaces = {}),
      'expected an array',
    ],
    [
      'supportedInterfaces[1]',
      (card: Record<string, any>) => (card.supportedInterfaces[1] = 'x'),
      'expected an object',
    ],
    [
      'supportedInterfaces[0].url',
      (card: Record<string, any>) => delete card.supportedInterfaces[0].url,
      'is required',
    ],
    [
      'supportedInterfaces[0].url',
      (card: Record<string, any>) =>
        (card.supportedInterfaces[0].url = 'mqtt://h:1883/not/a/request/topic'),
      'not a valid MQTT interface URL',
    ],
    [
      'supportedInterfaces[1].protocolBinding',
      (card: Record<string, any>) => (card.supportedInterfaces[1].protocolBinding = ''),
      'must not be empty',
    ],
    [
      'supportedInterfaces[1].protocolVersion',
      (card: Record<string, any>) => delete card.supportedInterfaces[1].protocolVersion,
      'is required',
    ],
    [
      'supportedInterfaces[0].tenant',
      (card: Record<string, any>) => (card.supportedInterfaces[0].tenant = 1),
      'expected a string',
    ],
    ['capabilities', (card: Record<string, any>) => delete card.capabilities, 'is required'],
    [
      'capabilities',
      (card: Record<string, any>) => (card.capabilities = []),
      'expected an object, got an array',
    ],
    [
      'capabilities.streaming',
      (card: Record<string, any>) => (card.capabilities.streaming = 'yes'),
      'expected a boolean',
    ],
    [
      'capabilities.extensions[0].uri',
      (card: Record<string, any>) => (card.capabilities.extensions = [{ required: true }]),
      'is required',
    ],
    [
      'defaultInputModes',
      (card: Record<string, any>) => (card.defaultInputModes = 'text/plain'),
      'expected an array',
    ],
    [
      'defaultOutputModes[1]',
      (card: Record<string, any>) => (card.defaultOutputModes[1] = 7),
      'expected a string',
    ],
    ['skills', (card: Record<string, any>) => (card.skills = null), 'expected an array, got null'],
    ['skills[0].id', (card: Record<string, any>) => delete card.skills[0].id, 'is required'],
    [
      'skills[0].name',
      (card: Record<string, any>) => (card.skills[0].name = ''),
      'must not be empty',
    ],
    [
      'skills[0].description',
      (card: Record<string, any>) => delete card.skills[0].description,
      'is required',
    ],
    [
      'skills[0].tags[1]',
      (card: Record<string, any>) => (card.skills[0].tags[1] = false),
      'expected a string',
    ],
    [
      'skills[0].tags',
      (card: Record<string, any>) => (card.skills[0].tags = 'support'),
      'expected an array',
    ],
    [
      'provider.organization',
      (card: Record<string, any>) => delete card.provider.organization,
      'is required',
    ],
    ['iconUrl', (card: Record<string, any>) => (card.iconUrl = {}), 'expected a string'],
    [
      'signatures[0].signature',
      (card: Record<string, any>) => (card.signatures = [{ protected: 'p' }]),
      'is required',
    ],
  ])('reports %s', (path, breakIt, message) => {
    const card = sampleCard() as Record<string, any>;
    breakIt(card);
    const issues = issuesOf(card);
    expect(issues).toEqual([{ path, message: expect.stringContaining(message) }]);
  });

  it('reports every problem at once', () => {
    const card = sampleCard() as Record<string, any>;
    delete card.name;
    card.version = '';
    card.skills[0].tags = [1, 2];
    card.supportedInterfaces[0].protocolVersion = 5;
    expect(issuesOf(card).map((issue) => issue.path)).toEqual([
      'name',
      'version',
      'supportedInterfaces[0].protocolVersion',
      'skills[0].tags[0]',
      'skills[0].tags[1]',
    ]);
  });

  it('rejects non-objects at the root', () => {
    for (const value of [null, undefined, 'card', 42, []]) {
      expect(issuesOf(value)).toEqual([
        { path: '', message: expect.stringContaining('expected an object') },
      ]);
    }
  });

  it('hints at A2A v0.3 cards', () => {
    const card = sampleCard() as Record<string, any>;
    delete card.supportedInterfaces;
    card.url = 'https://old.example.com';
    expect(issuesOf(card)[0]?.message).toContain('A2A v0.3');
  });

  // Speed is measured by the benchmark app (discovery of 10 000 cards), never asserted here.
  it('accepts 10 000 distinct cards of about 2 KB', () => {
    const base = sampleCard() as Record<string, any>;
    base.description = 'x'.repeat(900);
    base.skills = Array.from({ length: 4 }, (_, index) => ({
      id: `skill-${index}`,
      name: `Skill ${index}`,
      description: 'Does one thing well. '.repeat(6),
      tags: ['a', 'b', 'c'],
      examples: ['example one', 'example two'],
    }));
    const json = JSON.stringify(base);
    expect(json.length).toBeGreaterThan(1_800);
    expect(json.length).toBeLessThan(2_600);
    let valid = 0;
    for (let index = 0; index < 10_000; index++) {
      const card = JSON.parse(json.replace('Triage Agent', `Agent ${index}`));
      if (validateAgentCard(card).ok) valid++;
    }
    expect(valid).toBe(10_000);
  });
});

describe('assertAgentCard', () => {
  it('returns a valid card', () => {
    const card = sampleCard();
    expect(assertAgentCard(card)).toBe(card);
  });

  it('throws INVALID_AGENT_CARD listing every issue', () => {
    const card = sampleCard() as Record<string, any>;
    delete card.name;
    card.skills[0].id = '';
    try {
      assertAgentCard(card);
      expect.unreachable();
    } catch (error) {
      expect(A2AMqttError.isInstance(error)).toBe(true);
      const typed = error as A2AMqttError;
      expect(typed.code).toBe('INVALID_AGENT_CARD');
      expect(typed.message).toContain('name: is required');
      expect(typed.message).toContain('skills[0].id: must not be empty');
      expect(typed.details?.issues).toHaveLength(2);
    }
  });

  it('formats root issues readably', () => {
    expect(formatAgentCardIssues([{ path: '', message: 'expected an object, got null' }])).toBe(
      '(card): expected an object, got null',
    );
  });
});
