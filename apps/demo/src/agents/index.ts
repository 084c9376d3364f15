/**
 * The deterministic demo agents (`@a2a-mqtt/demo/agents`), shared by `pnpm demo`, the
 * `a2a-mqtt serve` command and the integration suites. Each is an `@a2a-js/sdk` `AgentExecutor`
 * with its Agent Card; no model or network is needed.
 */
export { DemoExecutorBase, type DemoRun } from './base-executor.js';
export { DEMO_AGENT_VERSION, type DemoCardOptions, demoCard } from './card.js';
export {
  CodeGeneratorAgentExecutor,
  type CodeGeneratorExecutorOptions,
  codeGeneratorAgent,
  DEFAULT_CODE_GENERATOR_STEP_DELAY_MS,
  GENERATED_CODE_ARTIFACT_NAME,
  TODO_LIST_ARTIFACT_NAME,
} from './code-generator.js';
export {
  type ChatCompletionsCodeModelOptions,
  type CodeModel,
  createChatCompletionsCodeModel,
  templateCodeModel,
} from './code-model.js';
export {
  completedDiagnosisSteps,
  DEFAULT_DIAGNOSIS_STEP_DELAY_MS,
  DIAGNOSIS_LOG_ARTIFACT_ID,
  DIAGNOSIS_REPORT_ARTIFACT_ID,
  DIAGNOSIS_STEPS,
  DiagnosisAgentExecutor,
  diagnosisAgent,
} from './diagnosis.js';
export {
  DEFAULT_ECHO_STEP_DELAY_MS,
  EchoAgentExecutor,
  type EchoExecutorOptions,
  echoAgent,
} from './echo.js';
export {
  agentMessage,
  artifactText,
  delay,
  messageText,
  sendMessageRequest,
  textPart,
  userMessage,
} from './events.js';
export {
  DEMO_AGENT_KINDS,
  type DemoAgentDefinition,
  type DemoAgentKind,
  type DemoExecutorOptions,
} from './types.js';

import { codeGeneratorAgent } from './code-generator.js';
import { diagnosisAgent } from './diagnosis.js';
import { echoAgent } from './echo.js';
import type { DemoAgentDefinition, DemoAgentKind } from './types.js';

/** The demo agents by kind (`a2a-mqtt serve <kind>`). */
export const DEMO_AGENTS: Readonly<Record<DemoAgentKind, DemoAgentDefinition>> = {
  echo: echoAgent,
  'code-generator': codeGeneratorAgent,
  diagnosis: diagnosisAgent,
};
export {
  type StreamItemSummary,
  stateName,
  summarizeStreamItem,
  TERMINAL_STATES,
  taskArtifacts,
} from './describe.js';
