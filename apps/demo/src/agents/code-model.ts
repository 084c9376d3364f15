/**
 * Where a real model call goes. The demo's code-generator agent asks a {@link CodeModel} for a
 * plan and for the code; the default {@link templateCodeModel} answers deterministically (no
 * model, no network), {@link createChatCompletionsCodeModel} shows the same two calls against an
 * OpenAI-compatible chat-completions endpoint.
 */

/** The model behind the code-generator agent. */
export interface CodeModel {
  /** The media type of the generated code (for the artifact part). */
  mediaType(prompt: string): string;
  /** Plans the work: the items of the "TODO List" artifact. */
  plan(prompt: string, signal?: AbortSignal): Promise<string[]>;
  /** Generates the code, chunk by chunk (each chunk becomes one streamed artifact update). */
  generate(prompt: string, plan: readonly string[], signal?: AbortSignal): AsyncIterable<string>;
}

const THREAD_POOL_PLAN = [
  'Read the ThreadPool API the callers use (submit, shutdown, awaitTermination)',
  'Replace the fixed thread pool with a CoroutineScope on a limited dispatcher',
  'Turn submit() into launch/async returning a Deferred',
  'Map shutdown() to cancelling the scope and awaitTermination() to joining it',
  'Keep the public API so callers compile unchanged',
];

const THREAD_POOL_CODE = [
  `import kotlinx.coroutines.*

/** The former ThreadPool, rewritten on coroutines (same public API). */
class CoroutinePool(parallelism: Int) {
`,
  `    @OptIn(ExperimentalCoroutinesApi::class)
    private val dispatcher = Dispatchers.IO.limitedParallelism(parallelism)
    private val scope = CoroutineScope(SupervisorJob() + dispatcher)

`,
  `    /** Was ThreadPool.submit(Callable): now a suspending-friendly Deferred. */
    fun <T> submit(task: suspend () -> T): Deferred<T> = scope.async { task() }

`,
  `    /** Was shutdown(): stop accepting work and cancel what is queued. */
    fun shutdown() = scope.cancel()

    /** Was awaitTermination(): wait until every child has finished. */
    suspend fun awaitTermination() = scope.coroutineContext[Job]!!.children.forEach { it.join() }
}
`,
];

function genericPlan(prompt: string): string[] {
  return [
    `Understand the request: "${prompt}"`,
    'Sketch the function signature',
    'Write the implementation',
    'Add a usage example',
  ];
}

function genericCode(prompt: string): string[] {
  const safe = prompt.replace(/\*\//g, '* /');
  return [
    `/**\n * Generated for: ${safe}\n */\n`,
    'export function solve(input: string): string {\n',
    '  return input.trim();\n}\n',
    "\n// Usage: solve('  hello  ') === 'hello'\n",
  ];
}

function isThreadPoolRequest(prompt: string): boolean {
  return /thread\s*pool/i.test(prompt) && /corout/i.test(prompt);
}

/**
 * The deterministic model the demo runs: a fixed plan and fixed code for "rewrite the thread pool
 * as coroutines" (Kotlin), a small generic TypeScript answer otherwise. Same input, same output.
 */
export const templateCodeModel: CodeModel = {
  mediaType: (prompt) => (isThreadPoolRequest(prompt) ? 'text/x-kotlin' : 'text/x-typescript'),
  plan: async (prompt) =>
    isThreadPoolRequest(prompt) ? [...THREAD_POOL_PLAN] : genericPlan(prompt),
  async *generate(prompt) {
    yield* isThreadPoolRequest(prompt) ? THREAD_POOL_CODE : genericCode(prompt);
  },
};

/** Options of {@link createChatCompletionsCodeModel}. */
export interface ChatCompletionsCodeModelOptions {
  /** Base URL of an OpenAI-compatible API, e.g. `https://api.openai.com/v1`. */
  baseUrl: string;
  /**
   * The API key, sent as a bearer token and never logged or put in an error message.
   * @default '' (no `Authorization` header: local servers such as Ollama or vLLM)
   */
  apiKey?: string;
  /** The model name. */
  model: string;
  /** Injected fetch (tests). @default globalThis.fetch */
  fetchImpl?: typeof fetch;
}

/** A fenced code block (```lang ... ```) around a whole answer: the code is what is inside. */
const FENCED = /^\s*```[^\n]*\n([\s\S]*?)\n?```\s*$/;

/**
 * An example of the real model call: the same two steps as {@link templateCodeModel}, asked to an
 * OpenAI-compatible `/chat/completions` endpoint. The demo never uses it (it must run without a
 * model or a network); `a2a-mqtt serve code-generator` does when `A2A_MQTT_MODEL_URL` is set,
 * and you can plug it into `new CodeGeneratorAgentExecutor({ model })` in your own agent.
 *
 * @example
 * ```ts
 * const model = createChatCompletionsCodeModel({
 *   baseUrl: 'https://api.openai.com/v1',
 *   apiKey: process.env.OPENAI_API_KEY ?? '',
 *   model: 'gpt-4o-mini',
 * });
 * const executor = new CodeGeneratorAgentExecutor({ model });
 * ```
 */
export function createChatCompletionsCodeModel(
  options: ChatCompletionsCodeModelOptions,
): CodeModel {
  const fetchImpl = options.fetchImpl ?? globalThis.fetch;
  const endpoint = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  const complete = async (prompt: string, signal?: AbortSignal): Promise<string> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
    const response = await fetchImpl(endpoint, {
      method: 'POST',
      headers,
      body: JSON.stringify({ model: options.model, messages: [{ role: 'user', content: prompt }] }),
      signal: signal ?? null,
    });
    // The status only: a body may echo the request (and a proxy may echo its headers).
    if (!response.ok) throw new Error(`model call failed: HTTP ${response.status}`);
    const body = (await response.json()) as { choices?: { message?: { content?: unknown } }[] };
    const content = body.choices?.[0]?.message?.content;
    if (typeof content !== 'string' || content.trim() === '') {
      throw new Error('model call failed: the answer has no message content');
    }
    return content;
  };
  return {
    mediaType: () => 'text/plain',
    plan: async (prompt, signal) =>
      (await complete(`List the steps, one per line, to: ${prompt}`, signal))
        .split('\n')
        .map((line) => line.replace(/^\s*(?:[-*]|\d+[.)])?\s*/, '').trim())
        .filter((line) => line.length > 0),
    async *generate(prompt, plan, signal) {
      const answer = await complete(
        `${prompt}\nFollow this plan:\n${plan.join('\n')}\nAnswer with code only.`,
        signal,
      );
      yield FENCED.exec(answer)?.[1] ?? answer;
    },
  };
}
