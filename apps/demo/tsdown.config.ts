import { appConfig } from '../../tooling/tsdown-config';

// `main` is `pnpm demo`; `agents` is the `@a2a-mqtt/demo/agents` export the CLI serves;
// `diagnosis-agent` and `platform-node` are the child processes scenarios 2 and 3 kill.
export default appConfig({
  main: 'src/main.ts',
  agents: 'src/agents/index.ts',
  'diagnosis-agent': 'src/processes/diagnosis-agent.ts',
  'platform-node': 'src/processes/platform-node.ts',
});
