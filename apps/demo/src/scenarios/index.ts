/** The scenarios of `pnpm demo`, in order (also run by `apps/integration`). */
import { codeGenerationScenario } from './code-generation.js';
import { diagnosisScenario } from './diagnosis.js';
import { platformScenario } from './platform.js';
import type { ScenarioDefinition } from './scenario.js';

export { CODE_GENERATION_PROMPT, codeGenerationScenario } from './code-generation.js';
export { diagnosisScenario } from './diagnosis.js';
export { FileTaskStore } from './file-task-store.js';
export { PLATFORM_POOL, platformScenario } from './platform.js';
export {
  DEFAULT_SCENARIO_TIMEOUT_MS,
  type DemoEnvironment,
  runScenario,
  type ScenarioContext,
  type ScenarioDefinition,
} from './scenario.js';

/** Every scenario, in the order the demo runs them. */
export const SCENARIOS: readonly ScenarioDefinition[] = [
  codeGenerationScenario,
  diagnosisScenario,
  platformScenario,
];
