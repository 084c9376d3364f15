/**
 * Query filters shared by the directory and the resolver.
 */
import type { AgentAddress } from '@a2a-mqtt/protocol';
import type { DirectoryEntry } from './directory-types.js';
import type { PresenceStatus } from './presence.js';

/** Which entries a query returns; every given field must match. */
export interface AgentFilter {
  /** Organisation id. */
  org?: string;
  /** Unit id. */
  unit?: string;
  /** Agent id (the last topic level). */
  agent?: string;
  /** Exact card name. */
  name?: string;
  /** A skill id the card must declare. */
  skill?: string;
  /** A tag one of the card's skills must carry. */
  tag?: string;
  /** Presence status (or several). */
  status?: PresenceStatus | PresenceStatus[];
}

/** `true` when `entry` satisfies every field of `filter`. */
export function matchesFilter(entry: DirectoryEntry, filter: AgentFilter | undefined): boolean {
  if (!filter) return true;
  const { address, card } = entry;
  if (filter.org !== undefined && address.org !== filter.org) return false;
  if (filter.unit !== undefined && address.unit !== filter.unit) return false;
  if (filter.agent !== undefined && address.agent !== filter.agent) return false;
  if (filter.name !== undefined && card.name !== filter.name) return false;
  if (filter.skill !== undefined && !card.skills.some((skill) => skill.id === filter.skill)) {
    return false;
  }
  if (filter.tag !== undefined) {
    const tag = filter.tag;
    if (!card.skills.some((skill) => skill.tags.includes(tag))) return false;
  }
  if (filter.status !== undefined) {
    const statuses = Array.isArray(filter.status) ? filter.status : [filter.status];
    if (!statuses.includes(entry.status)) return false;
  }
  return true;
}

/** What `get()` / `discoverAgent()` accept: an address, `org/unit/agent`, an agent id or a card name. */
export type AgentReference = AgentAddress | string;

/**
 * `true` when `entry` is the agent named by `reference`: an {@link AgentAddress}, the full id
 * `{org}/{unit}/{agent}`, the agent id alone, or the card's name.
 */
export function matchesReference(entry: DirectoryEntry, reference: AgentReference): boolean {
  const { address } = entry;
  if (typeof reference !== 'string') {
    return (
      address.org === reference.org &&
      address.unit === reference.unit &&
      address.agent === reference.agent
    );
  }
  if (reference.includes('/')) return entry.id === reference;
  return address.agent === reference || entry.card.name === reference;
}
