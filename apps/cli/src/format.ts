import { AgentCard, type StreamResponse, Task } from '@a2a-js/sdk';
import { stateName, summarizeStreamItem, taskArtifacts } from '@a2a-mqtt/demo/agents';
import type { DirectoryEntry } from '@a2a-mqtt/discovery';

/** A column of {@link formatTable}. */
export interface TableColumn<Row> {
  header: string;
  value: (row: Row) => string;
}

/** An aligned plain-text table. */
export function formatTable<Row>(
  columns: readonly TableColumn<Row>[],
  rows: readonly Row[],
): string {
  const cells = rows.map((row) => columns.map((column) => column.value(row)));
  const widths = columns.map((column, index) =>
    Math.max(column.header.length, ...cells.map((line) => (line[index] ?? '').length)),
  );
  const line = (values: readonly string[]): string =>
    values
      .map((value, index) => value.padEnd(widths[index] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(columns.map((column) => column.header)), ...cells.map(line)].join('\n');
}

/** The JSON view of a directory entry (`agents --json`). */
export function entryJson(entry: DirectoryEntry): Record<string, unknown> {
  return {
    id: entry.id,
    org: entry.address.org,
    unit: entry.address.unit,
    agent: entry.address.agent,
    name: entry.card.name,
    description: entry.card.description,
    version: entry.card.version,
    status: entry.status,
    statusSource: entry.statusSource ?? null,
    skills: entry.card.skills.map((skill) => skill.id),
    topic: entry.topic,
    updatedAt: new Date(entry.updatedAt).toISOString(),
  };
}

/** The table of `agents`. */
export function formatAgents(entries: readonly DirectoryEntry[]): string {
  if (entries.length === 0) return 'No agents registered.';
  const sorted = [...entries].sort((a, b) => a.id.localeCompare(b.id));
  return formatTable(
    [
      { header: 'AGENT', value: (entry: DirectoryEntry) => entry.id },
      { header: 'NAME', value: (entry) => entry.card.name },
      {
        header: 'STATUS',
        value: (entry) => `${entry.status}${entry.statusSource ? ` (${entry.statusSource})` : ''}`,
      },
      { header: 'SKILLS', value: (entry) => entry.card.skills.map((skill) => skill.id).join(',') },
      { header: 'VERSION', value: (entry) => entry.card.version },
    ],
    sorted,
  );
}

/** The card as JSON (the A2A wire form). */
export function cardJson(card: AgentCard): unknown {
  return AgentCard.toJSON(card);
}

/** The task as JSON (the A2A wire form). */
export function taskJson(task: Task): unknown {
  return Task.toJSON(task);
}

/** A human view of a task: id, context, state, status message, artifacts. */
export function formatTask(task: Task): string {
  const lines = [
    `task     ${task.id}`,
    `context  ${task.contextId}`,
    `state    ${stateName(task.status?.state)}`,
  ];
  const status = task.status?.message?.parts
    .map((part) => (part.content?.$case === 'text' ? part.content.value : ''))
    .join('');
  if (status) lines.push(`message  ${status}`);
  for (const artifact of taskArtifacts(task)) {
    lines.push(`artifact ${artifact.name || artifact.artifactId}:`);
    lines.push(
      ...artifact.text
        .trimEnd()
        .split('\n')
        .map((line) => `  ${line}`),
    );
  }
  return lines.join('\n');
}

/** One stream item for the terminal (undefined: nothing to print). */
export function formatStreamItem(
  item: StreamResponse,
  previous: { artifactId?: string },
): string | undefined {
  const summary = summarizeStreamItem(item);
  switch (summary.kind) {
    case 'task':
      return `[${summary.state}] task ${summary.taskId}`;
    case 'status':
      return `[${summary.state}]${summary.text ? ` ${summary.text}` : ''}`;
    case 'message':
      return `[message] ${summary.text}`;
    case 'artifact': {
      const continued = summary.append && previous.artifactId === summary.artifactId;
      previous.artifactId = summary.artifactId;
      const body = summary.text.replace(/\n$/, '');
      return continued ? body : `[artifact ${summary.name || summary.artifactId}]\n${body}`;
    }
    default:
      return undefined;
  }
}
