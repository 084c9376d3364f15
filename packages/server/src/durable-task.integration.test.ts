/**
 * Durable tasks: @a2a-js/sdk's `DatabaseTaskStore` on the real PostgreSQL (127.0.0.1:5432,
 * database `test`), on every available broker target (mosquitto always; EMQX and MQTT_URL when
 * available, otherwise a skip that says why). A task created before an agent restart is still
 * answered by GetTask after it, a retry after the restart is answered from the store without
 * running the executor, and an input-required task continues on the new instance.
 *
 * The test never starts (or stops) PostgreSQL: `.ci/run` starts the local cluster when it is
 * installed and down; without a reachable server the suite is skipped with the reason printed
 * (outside CI; with `CI` set a missing database fails the run).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { DatabaseTaskStore } from '@a2a-js/sdk/server/database';
import { createTopics } from '@a2a-mqtt/protocol';
import type { BrokerHandle } from '@a2a-mqtt/test-harness';
import { describeBrokers, useWireCheck } from '@a2a-mqtt/test-harness/vitest';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type A2AMqttServer, createA2AMqttServer } from './a2a-mqtt-server.js';
import { createRequestHandler } from './request-handler.js';
import { RawRequester } from './test-support/raw-requester.js';
import { ScriptedExecutor, sendRequest, testCard } from './test-support/scripted-agent.js';

const PG = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' };
const tablePrefix = `a2a_mqtt_tasks_${randomBytes(4).toString('hex')}`;
const topics = createTopics();
const agent = { org: 'acme', unit: 'durable-lab', agent: 'keeper' };

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ ...PG, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const skipReason = (await postgresReachable())
  ? undefined
  : `PostgreSQL is not reachable on ${PG.host}:${PG.port} (database ${PG.database}); .ci/run starts the local cluster`;
// In CI (`.ci/run` sets CI=true and starts PostgreSQL) a missing database is a failure, not a skip.
if (skipReason && process.env.CI) throw new Error(`[durable-task] ${skipReason}`);
if (skipReason) process.stderr.write(`[durable-task] skipped: ${skipReason}\n`);

function database(): Kysely<unknown> {
  return new Kysely<unknown>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ ...PG, max: 4 }) }),
  });
}

describeBrokers(
  'durable tasks',
  (getBroker, target) => {
    const table = `${tablePrefix}_${target.name}`;
    let broker: BrokerHandle;
    let requester: RawRequester;

    describe.skipIf(skipReason !== undefined)(
      `durable tasks on PostgreSQL over ${target.name}${skipReason ? ` (skipped: ${skipReason})` : ''}`,
      () => {
        beforeAll(async () => {
          const db = database();
          await sql`CREATE TABLE ${sql.table(table)} (
      tenant text NOT NULL, owner text NOT NULL, id text NOT NULL, context_id text NOT NULL,
      status_last_updated bigint NOT NULL, status_state text, status text, artifacts text,
      history text, metadata text, protocol_version text, PRIMARY KEY (tenant, owner, id))`.execute(
            db,
          );
          await db.destroy();
          broker = getBroker();
          requester = await RawRequester.connect({
            url: broker.url,
            prefix: topics.prefix,
            org: agent.org,
            unit: agent.unit,
          });
        });

        afterAll(async () => {
          await requester?.close();
          const db = database();
          await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(db);
          await db.destroy();
        });

        useWireCheck({ broker: () => broker, prefix: topics.prefix });

        async function startAgent(
          executor: ScriptedExecutor,
        ): Promise<{ server: A2AMqttServer; db: Kysely<unknown> }> {
          const db = database();
          const server = await createA2AMqttServer({
            session: { url: broker.url },
            agent,
            topics,
            requestHandler: createRequestHandler({
              agentCard: testCard('keeper'),
              agentExecutor: executor,
              taskStore: new DatabaseTaskStore(db, { tableName: table }),
            }),
          });
          return { server, db };
        }

        it('a task created before an agent restart is answered by GetTask after it', async () => {
          const topic = topics.request(agent);
          const taskId = randomUUID();
          const contextId = randomUUID();
          const waitingTask = randomUUID();
          const original = sendRequest({
            text: 'work',
            taskId,
            contextId,
            messageId: `m-${taskId}`,
          });

          const firstLife = await startAgent(new ScriptedExecutor('first'));
          const created = await requester.call(topic, original);
          expect(created.body.result.task.status.state).toBe('TASK_STATE_COMPLETED');
          const asked = await requester.call(
            topic,
            sendRequest({ text: 'ask', taskId: waitingTask, contextId }),
          );
          expect(asked.body.result.task.status.state).toBe('TASK_STATE_INPUT_REQUIRED');
          await firstLife.server.close();
          await firstLife.db.destroy();

          const executor = new ScriptedExecutor('second');
          const secondLife = await startAgent(executor);
          try {
            const got = await requester.call(topic, {
              jsonrpc: '2.0',
              id: 'g',
              method: 'GetTask',
              params: { id: taskId },
            });
            expect(got.body.result).toMatchObject({
              id: taskId,
              contextId,
              status: { state: 'TASK_STATE_COMPLETED' },
            });
            expect(got.body.result.artifacts[0].parts[0].text).toBe('first: work');

            const retried = await requester.call(topic, original);
            expect(retried.body.result.task.id).toBe(taskId);
            expect(executor.executions.get(taskId)).toBeUndefined();

            const continued = await requester.call(
              topic,
              sendRequest({ text: 'ask red', taskId: waitingTask, contextId }),
            );
            expect(continued.body.result.task.status.state).toBe('TASK_STATE_COMPLETED');
            expect(executor.executions.get(waitingTask)).toBe(1);
          } finally {
            await secondLife.server.close();
            await secondLife.db.destroy();
          }
        });
      },
    );
  },
  { brokerOptions: { profile: 'anonymous' } },
);
