import type { Logger } from '@a2a-mqtt/connection';

const noop = (): void => {};

/** The default logger of this package: discards everything (same as connection's NOOP_LOGGER). */
export const SILENT_LOGGER: Logger = Object.freeze({
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
});
