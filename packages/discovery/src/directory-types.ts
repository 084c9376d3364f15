/**
 * Public types of the agent directory.
 */
import type { AgentCard } from '@a2a-js/sdk';
import type { AgentAddress } from '@a2a-mqtt/protocol';
import type { InvalidCardReason } from './card-codec.js';
import type { PresenceStatus, StatusSource } from './presence.js';

/** One agent known to a directory. */
export interface DirectoryEntry {
  /** `{org}/{unit}/{agent}` (also the agent's MQTT client id). */
  readonly id: string;
  /** The address from the discovery topic. */
  readonly address: AgentAddress;
  /** The discovery topic the card was retained on. */
  readonly topic: string;
  /** The parsed card. */
  readonly card: AgentCard;
  /** Last announced liveness (advisory: never a replacement for request timeouts). */
  readonly status: PresenceStatus;
  /** Who announced {@link DirectoryEntry.status}; `broker` wins over `agent` / `lwt`. */
  readonly statusSource: StatusSource | undefined;
  /** When the entry last changed (ms since epoch). */
  readonly updatedAt: number;
}

/** Kinds of {@link DirectoryEvent}. */
export type DirectoryEventType = 'added' | 'updated' | 'online' | 'offline' | 'removed' | 'invalid';

/** A change of one entry. */
export interface DirectoryEntryEvent {
  /**
   * `added` (first card), `updated` (the card changed), `online` / `offline` (the status
   * changed), `removed` (the retained card was cleared; `entry` is the last known one).
   */
  readonly type: 'added' | 'updated' | 'online' | 'offline' | 'removed';
  /** The entry after the change (for `removed`, before it). */
  readonly entry: DirectoryEntry;
  /** The entry before the change, for `updated`, `online` and `offline`. */
  readonly previous?: DirectoryEntry;
}

/** A discovery message that was skipped (the directory keeps the previous entry, if any). */
export interface DirectoryInvalidEvent {
  readonly type: 'invalid';
  /** The topic of the message. */
  readonly topic: string;
  /** The agent named by the topic, when the topic parses. */
  readonly address: AgentAddress | undefined;
  /** Why it was skipped. */
  readonly reason: InvalidCardReason | 'bad-topic';
  /** A one-line explanation (never the payload). */
  readonly message: string;
  /** Schema issues, for `reason: 'schema'`. */
  readonly issues?: readonly { path: string; message: string }[];
}

/** What {@link AgentDirectory.watch} yields. */
export type DirectoryEvent = DirectoryEntryEvent | DirectoryInvalidEvent;
