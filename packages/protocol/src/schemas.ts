/**
 * zod schemas of our own records (presence values, the MQTT interface entry, the request
 * binding metadata) with `parseX` / `isX` guards. A2A objects themselves are not modelled here:
 * they cross the wire through `@a2a-js/sdk`'s `toJSON` / `fromJSON`.
 */
import { z } from 'zod';
import { isMqttInterfaceUrl, isMqttProtocolBinding } from './binding.js';
import { A2AMqttError, type A2AMqttErrorCode } from './errors.js';

/** `a2a-status`: `online` or `offline`. */
export const PresenceStatusSchema = z.enum(['online', 'offline']);
/** A value of `a2a-status`. */
export type PresenceStatus = z.infer<typeof PresenceStatusSchema>;

/** `a2a-status-source`: `agent`, `lwt` or `broker`. */
export const StatusSourceSchema = z.enum(['agent', 'lwt', 'broker']);
/** A value of `a2a-status-source`. */
export type StatusSource = z.infer<typeof StatusSourceSchema>;

/** The MQTT `AgentInterface` entry of a card (see `buildMqttInterface`). */
export const MqttInterfaceSchema = z.object({
  url: z.string().refine(isMqttInterfaceUrl, {
    message:
      'not a valid MQTT interface URL (expected mqtt[s]://host:port/{prefix}/request/{org}/{unit}/{agent})',
  }),
  protocolBinding: z.string().refine(isMqttProtocolBinding, {
    message: 'not an MQTT protocol binding (expected MQTT5+JSONRPC or an alias)',
  }),
  protocolVersion: z.string().min(1),
  tenant: z.string().optional(),
});
/** The MQTT `AgentInterface` entry of a card. */
export type MqttInterface = z.infer<typeof MqttInterfaceSchema>;

/**
 * The MQTT v5 metadata every request must carry: a Response Topic (a topic name, no
 * wildcards), non-empty Correlation Data, and optionally a Message Expiry Interval and user
 * properties (strings, or arrays for repeated keys, as mqtt.js delivers them).
 */
export const RequestBindingMetadataSchema = z.object({
  responseTopic: z
    .string()
    .min(1, { message: 'must be a non-empty topic' })
    .refine((topic) => !topic.includes('+') && !topic.includes('#'), {
      message: 'must not contain wildcards',
    }),
  correlationData: z.custom<Uint8Array>(
    (value) => value instanceof Uint8Array && value.byteLength > 0,
    { message: 'must be non-empty bytes (Buffer or Uint8Array)' },
  ),
  messageExpiryInterval: z.number().int().min(0).max(0xffff_ffff).optional(),
  userProperties: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
});
/** The MQTT v5 binding metadata of a request. */
export type RequestBindingMetadata = z.infer<typeof RequestBindingMetadataSchema>;

/** One validation problem of a zod parse, as `path: message`. */
function describeIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
}

function parseWith<T>(
  schema: z.ZodType<T>,
  value: unknown,
  what: string,
  code: A2AMqttErrorCode,
): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  // Messages and paths only: zod issues never carry the input values (user properties may
  // hold a bearer token).
  const issues = describeIssues(result.error);
  throw new A2AMqttError({
    code,
    message: `Invalid ${what}: ${issues.map((issue) => `${issue.path || '(value)'}: ${issue.message}`).join('; ')}`,
    details: { issues },
  });
}

/** Whether `value` is `online` or `offline`. */
export function isPresenceStatus(value: unknown): value is PresenceStatus {
  return value === 'online' || value === 'offline';
}

/** Returns `value` as a {@link PresenceStatus} or throws `INVALID_ENVELOPE`. */
export function parsePresenceStatus(value: unknown): PresenceStatus {
  return parseWith(PresenceStatusSchema, value, 'a2a-status', 'INVALID_ENVELOPE');
}

/** Whether `value` is `agent`, `lwt` or `broker`. */
export function isStatusSource(value: unknown): value is StatusSource {
  return value === 'agent' || value === 'lwt' || value === 'broker';
}

/** Returns `value` as a {@link StatusSource} or throws `INVALID_ENVELOPE`. */
export function parseStatusSource(value: unknown): StatusSource {
  return parseWith(StatusSourceSchema, value, 'a2a-status-source', 'INVALID_ENVELOPE');
}

/** Whether `value` is a valid MQTT interface entry. */
export function isMqttInterface(value: unknown): value is MqttInterface {
  return MqttInterfaceSchema.safeParse(value).success;
}

/** Returns `value` as an {@link MqttInterface} or throws `INVALID_AGENT_CARD`. */
export function parseMqttInterface(value: unknown): MqttInterface {
  return parseWith(MqttInterfaceSchema, value, 'MQTT interface', 'INVALID_AGENT_CARD');
}

/** Whether `value` is valid request binding metadata. */
export function isRequestBindingMetadata(value: unknown): value is RequestBindingMetadata {
  return RequestBindingMetadataSchema.safeParse(value).success;
}

/**
 * Returns `value` as {@link RequestBindingMetadata} or throws `INVALID_ENVELOPE` (answer it
 * with a -32005 `transport_protocol_error` when a reply path exists).
 *
 * @example
 * ```ts
 * const metadata = parseRequestBindingMetadata(message.properties);
 * ```
 */
export function parseRequestBindingMetadata(value: unknown): RequestBindingMetadata {
  return parseWith(
    RequestBindingMetadataSchema,
    value,
    'request binding metadata',
    'INVALID_ENVELOPE',
  );
}
