import { appConfig } from '../../tooling/tsdown-config';

export default appConfig(['src/main.ts']);
