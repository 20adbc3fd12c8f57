import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startDevServer, type RunningDevServer } from '../../src/dev/temporal-server';
import { LIPSYNC_STATUS } from '../../src/contract/messages';

// Later crash tests rely on the dev server really persisting to its SQLite file.
describe('Temporal dev server from the pinned CLI', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lipsync-persist-'));
  const dbFile = path.join(dir, 'temporal.sqlite');
  let server: RunningDevServer | undefined;

  afterAll(async () => {
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function withClient<T>(address: string, use: (client: Client) => Promise<T>): Promise<T> {
    const connection = await Connection.connect({ address });
    try {
      return await use(new Client({ connection }));
    } finally {
      await connection.close();
    }
  }

  test('a workflow started before a restart is still there after it (same SQLite file)', async () => {
    server = await startDevServer({ dbFile, uiPort: false });
    const { port } = server;
    const workflowId = `persistence-${Date.now()}`;
    await withClient(server.address, (client) =>
      client.workflow.start('noSuchWorkflowType', {
        taskQueue: 'no-worker-polls-this',
        workflowId,
        typedSearchAttributes: [{ key: LIPSYNC_STATUS, value: 'rendering' }],
      }),
    );
    await server.stop();
    expect(fs.statSync(dbFile).size).toBeGreaterThan(0);

    server = await startDevServer({ dbFile, port, uiPort: false });
    const description = await withClient(server.address, (client) => client.workflow.getHandle(workflowId).describe());
    expect(description.status.name).toBe('RUNNING');
    expect(description.typedSearchAttributes.get(LIPSYNC_STATUS)).toBe('rendering');
  });

  test('an in-memory server forgets (the control for the test above)', async () => {
    const memory = await startDevServer({ uiPort: false });
    try {
      const workflowId = `forgotten-${Date.now()}`;
      await withClient(memory.address, (client) =>
        client.workflow.start('noSuchWorkflowType', { taskQueue: 'none', workflowId }),
      );
      await memory.stop();
      const again = await startDevServer({ port: memory.port, uiPort: false });
      try {
        await expect(withClient(again.address, (client) => client.workflow.getHandle(workflowId).describe())).rejects.toThrow(/not found/i);
      } finally {
        await again.stop();
      }
    } finally {
      await memory.stop();
    }
  });
});
