import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';

/** Address of the dev server the global setup started. */
export function testTemporalAddress(): string {
  const address = process.env.TEST_TEMPORAL_ADDRESS;
  if (!address) throw new Error('TEST_TEMPORAL_ADDRESS is unset: run through jest (global setup starts the dev server)');
  return address;
}

export function testNamespaceOfWorker(jestWorkerId: string): string {
  return `lipsync-test-${jestWorkerId}`;
}

/**
 * The namespace this test file uses on `address`: on the jest run's dev server, its jest
 * worker's own (the global setup made one per worker and said how many); on a server a
 * test started itself, and for the bench and the history export (which start their own
 * server and use this stack outside jest), `default`.
 */
export function testNamespace(address?: string): string {
  const runServer = address === undefined || address === process.env.TEST_TEMPORAL_ADDRESS;
  if (!runServer || process.env.TEST_TEMPORAL_WORKERS === undefined) return 'default';
  return testNamespaceOfWorker(process.env.JEST_WORKER_ID ?? '1');
}

export async function testClient(address = testTemporalAddress()): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect({ address });
  return { client: new Client({ connection, namespace: testNamespace(address) }), connection };
}

export async function testNativeConnection(address = testTemporalAddress()): Promise<NativeConnection> {
  return NativeConnection.connect({ address });
}

export function uniqueTaskQueue(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
}

/** A worker of the test's own on the run's dev server, with a client of the same namespace. */
export interface TestWorker {
  client: Client;
  /** Shuts the worker down and closes both connections. */
  stop(): Promise<void>;
}

export async function startTestWorker(options: Omit<WorkerOptions, 'connection' | 'namespace'>): Promise<TestWorker> {
  const { client, connection } = await testClient();
  const native = await testNativeConnection();
  const worker = await Worker.create({ connection: native, namespace: client.options.namespace, ...options });
  const running = worker.run();
  return {
    client,
    async stop() {
      worker.shutdown();
      await running;
      await native.close();
      await connection.close();
    },
  };
}
