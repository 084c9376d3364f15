import { libraryConfig } from '../../tooling/tsdown-config';

export default libraryConfig(['src/index.ts']);
