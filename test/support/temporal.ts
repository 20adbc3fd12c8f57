import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';

/** Address of the dev server the global setup started. */
export function testTemporalAddress(): string {
  const address = process.env.TEST_TEMPORAL_ADDRESS;
  if (!address) throw new Error('TEST_TEMPORAL_ADDRESS is unset: run through jest (global setup starts the dev server)');
  return address;
}

export async function testClient(address = testTemporalAddress()): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect({ address });
  return { client: new Client({ connection, namespace: process.env.TEST_TEMPORAL_NAMESPACE ?? 'default' }), connection };
}

export async function testNativeConnection(address = testTemporalAddress()): Promise<NativeConnection> {
  return NativeConnection.connect({ address });
}

export function uniqueTaskQueue(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
}
