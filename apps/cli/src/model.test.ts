import { describe, expect, it } from 'vitest';
import { CliError, EXIT_CODE } from './exit-codes.js';
import { DEFAULT_MODEL_NAME, MODEL_ENV, modelFromEnv } from './model.js';

describe('modelFromEnv', () => {
  it('is off without A2A_MQTT_MODEL_URL (the deterministic model)', () => {
    expect(modelFromEnv({})).toBeUndefined();
    expect(modelFromEnv({ [MODEL_ENV.URL]: '  ', [MODEL_ENV.API_KEY]: 'sk' })).toBeUndefined();
  });

  it('describes the model without its key or the URL credentials', () => {
    const setup = modelFromEnv({
      [MODEL_ENV.URL]: 'https://user:pw@models.example/v1/?x=1',
      [MODEL_ENV.API_KEY]: 'sk-secret',
    });
    expect(setup).toMatchObject({
      name: DEFAULT_MODEL_NAME,
      endpoint: 'https://models.example/v1',
      authenticated: true,
    });
    expect(JSON.stringify({ ...setup, model: undefined })).not.toContain('sk-secret');
    expect(JSON.stringify({ ...setup, model: undefined })).not.toContain('pw');
  });

  it('sends the model name and the key to {url}/chat/completions', async () => {
    const seen: { url: string; authorization?: string; model?: string }[] = [];
    const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
      const headers = init?.headers as Record<string, string>;
      seen.push({
        url: String(input),
        authorization: headers.authorization,
        model: (JSON.parse(String(init?.body)) as { model: string }).model,
      });
      return Response.json({ choices: [{ message: { content: '- one\n- two' } }] });
    }) as typeof fetch;
    const setup = modelFromEnv(
      {
        [MODEL_ENV.URL]: 'http://127.0.0.1:11434/v1',
        [MODEL_ENV.MODEL]: 'qwen2.5-coder',
        [MODEL_ENV.API_KEY]: 'sk-secret',
      },
      fetchImpl,
    );
    expect(await setup?.model.plan('x')).toEqual(['one', 'two']);
    expect(seen).toEqual([
      {
        url: 'http://127.0.0.1:11434/v1/chat/completions',
        authorization: 'Bearer sk-secret',
        model: 'qwen2.5-coder',
      },
    ]);
  });

  it('rejects a URL that is not http(s) as a usage error', () => {
    for (const url of ['not a url', 'mqtt://models.example']) {
      let error: unknown;
      try {
        modelFromEnv({ [MODEL_ENV.URL]: url });
      } catch (caught) {
        error = caught;
      }
      expect(error, url).toBeInstanceOf(CliError);
      expect((error as CliError).exitCode).toBe(EXIT_CODE.USAGE);
      expect((error as CliError).message).toContain(MODEL_ENV.URL);
    }
  });
});
