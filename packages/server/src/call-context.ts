/**
 * From MQTT user properties to @a2a-js/sdk's `ServerCallContext`: service parameters
 * (`A2A-Version`, `A2A-Extensions`) become the requested version and extensions, the
 * `a2a-authorization` bearer token goes to the application's `authenticate` hook only.
 */
import type { User } from '@a2a-js/sdk/server';
import {
  type AgentAddress,
  readUserProperty,
  SERVICE_PARAMETER,
  USER_PROPERTY,
  type UserProperties,
  userPropertiesToServiceParameters,
} from '@a2a-mqtt/protocol';
import { bearerTokenOf } from './request-envelope.js';

/**
 * What the {@link AuthenticateHook} sees about one request. The bearer token is handed over
 * here and nowhere else: it is never logged, echoed or put in the call context.
 */
export interface AuthenticationContext {
  /** The token of `a2a-authorization: Bearer <token>`, or `undefined` when the request has none. */
  readonly bearerToken: string | undefined;
  /** The agent the request is addressed to. */
  readonly agent: AgentAddress;
  /** The JSON-RPC method (`SendMessage`, `GetTask`, ...). */
  readonly method: string;
  /** The topic the request arrived on (direct or pool). */
  readonly topic: string;
  /** The request's user properties without `a2a-authorization`. */
  readonly userProperties: UserProperties;
}

/**
 * Authenticates the caller of one request and returns the @a2a-js/sdk `User` the request
 * handler sees (`context.user`; task stores scope tasks by `user.userName`). Validate `exp`,
 * `iss`, `aud` and scopes here. Throwing (or rejecting) refuses the request: an
 * @a2a-js/sdk `A2AError` is answered with its own JSON-RPC code, anything else with `-32600`
 * "Unauthenticated" (the thrown message is not sent, it could contain the token).
 */
export type AuthenticateHook = (context: AuthenticationContext) => User | Promise<User>;

/** Requested version, extensions and the headers bag built from user properties. */
export interface ServiceParameterView {
  requestedVersion: string | undefined;
  extensions: string[] | undefined;
  headers: Record<string, string>;
}

/**
 * Reads the A2A service parameters of a request (case-insensitive names; a repeated property's
 * last value wins). `headers` holds only service parameters, never the binding `a2a-*`
 * properties, so `a2a-authorization` cannot leak into the call context.
 */
export function readServiceParameters(
  userProperties: UserProperties | undefined,
): ServiceParameterView {
  if (!userProperties) return { requestedVersion: undefined, extensions: undefined, headers: {} };
  const headers = userPropertiesToServiceParameters(userProperties) as Record<string, string>;
  let requestedVersion: string | undefined;
  let extensionsValue: string | undefined;
  const versionKey = SERVICE_PARAMETER.VERSION.toLowerCase();
  const extensionsKey = SERVICE_PARAMETER.EXTENSIONS.toLowerCase();
  for (const key of Object.keys(headers)) {
    const lower = key.toLowerCase();
    if (lower === versionKey) requestedVersion = headers[key];
    else if (lower === extensionsKey) extensionsValue = headers[key];
  }
  return {
    requestedVersion: requestedVersion === '' ? undefined : requestedVersion,
    extensions: extensionsValue === undefined ? undefined : parseExtensions(extensionsValue),
    headers,
  };
}

/** Splits a comma-separated `A2A-Extensions` value into unique, trimmed URIs. */
export function parseExtensions(value: string): string[] {
  const unique = new Set<string>();
  for (const part of value.split(',')) {
    const trimmed = part.trim();
    if (trimmed.length > 0) unique.add(trimmed);
  }
  return [...unique];
}

/** The bearer token of a request, or `undefined`. */
export function readBearerToken(userProperties: UserProperties | undefined): string | undefined {
  if (!userProperties) return undefined;
  const value = readUserProperty(userProperties, USER_PROPERTY.AUTHORIZATION);
  return value === undefined ? undefined : bearerTokenOf(value);
}

/** A copy of the user properties without `a2a-authorization`. */
export function withoutAuthorization(userProperties: UserProperties | undefined): UserProperties {
  const copy: UserProperties = {};
  if (!userProperties) return copy;
  for (const key of Object.keys(userProperties)) {
    if (key.toLowerCase() === USER_PROPERTY.AUTHORIZATION) continue;
    copy[key] = userProperties[key]!;
  }
  return copy;
}
