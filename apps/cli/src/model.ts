import { type CodeModel, createChatCompletionsCodeModel } from '@a2a-mqtt/demo/agents';
import { usageError } from './exit-codes.js';

/** Environment variables that give `serve code-generator` a real model. */
export const MODEL_ENV = {
  /** Base URL of an OpenAI-compatible API (`.../v1`); setting it turns the real model on. */
  URL: 'A2A_MQTT_MODEL_URL',
  /** Bearer token of that API (optional: local servers need none). Never printed or logged. */
  API_KEY: 'A2A_MQTT_MODEL_API_KEY',
  /** Model name. */
  MODEL: 'A2A_MQTT_MODEL',
} as const;

/** Model name when `A2A_MQTT_MODEL` is not set. */
export const DEFAULT_MODEL_NAME = 'gpt-4o-mini';

/** The real model of `serve code-generator`, and how to describe it without the key. */
export interface ModelSetup {
  model: CodeModel;
  /** Model name. */
  name: string;
  /** The API base URL without credentials, query or fragment (printable). */
  endpoint: string;
  /** Whether a key is sent (the key itself is never exposed). */
  authenticated: boolean;
}

/**
 * Reads the model configuration from the environment: `undefined` when `A2A_MQTT_MODEL_URL` is
 * unset (the deterministic model), a usage error (exit 2) when it is not an http(s) URL.
 */
export function modelFromEnv(
  env: NodeJS.ProcessEnv,
  fetchImpl?: typeof fetch,
): ModelSetup | undefined {
  const raw = env[MODEL_ENV.URL]?.trim();
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usageError(`${MODEL_ENV.URL} is not a URL (expected e.g. https://api.openai.com/v1)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usageError(`${MODEL_ENV.URL} must be an http(s) URL (got ${url.protocol})`);
  }
  const name = env[MODEL_ENV.MODEL]?.trim() || DEFAULT_MODEL_NAME;
  const apiKey = env[MODEL_ENV.API_KEY]?.trim() ?? '';
  return {
    model: createChatCompletionsCodeModel({
      baseUrl: raw,
      apiKey,
      model: name,
      ...(fetchImpl ? { fetchImpl } : {}),
    }),
    name,
    endpoint: `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`,
    authenticated: apiKey.length > 0,
  };
}
