import { definePackageConfig } from '../vitest.shared';

export default definePackageConfig();
