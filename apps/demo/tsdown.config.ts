import { appConfig } from '../../tooling/tsdown-config';

// `main` is `pnpm demo`; `agents` is the `@a2a-mqtt/demo/agents` export the CLI serves.
export default appConfig({ main: 'src/main.ts', agents: 'src/agents/index.ts' });
