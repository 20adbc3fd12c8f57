/**
 * A namespace set up with `LipsyncStatus` alone (as a newcomer might, from DESIGN's
 * Temporal section): the worker adds the other search attributes the trackers write before
 * it takes work, so a render is tracked to its end, not POSTed and then stuck on a refused
 * upsert. One of another type stops the worker with one line naming the namespace.
 */
import type { TrackingOptions } from '../../src/client';
import { ConfigError } from '../../src/config';
import { SEARCH_ATTRIBUTES } from '../../src/contract/search-attributes';
import { startDevServer, type RunningDevServer } from '../../src/dev/temporal-server';
import { ensureSearchAttributes } from '../../src/worker/search-attributes';
import { startTestStack, type TestStack } from '../support/stack';
import { testNativeConnection } from '../support/temporal';

const FAST: TrackingOptions = { webhookTimeout: '2 seconds', pollInitialInterval: '200 ms', pollMaxInterval: '1 second', deadline: '1 minute' };

async function listed(stack: TestStack): Promise<string[]> {
  const { customAttributes } = await stack.client.connection.operatorService.listSearchAttributes({ namespace: 'default' });
  return Object.keys(customAttributes ?? {}).filter((name) => name.startsWith('Lipsync')).sort();
}

describe('a namespace with only LipsyncStatus registered', () => {
  let server: RunningDevServer | undefined;
  let stack: TestStack | undefined;
  afterAll(async () => {
    await stack?.close();
    await server?.stop();
  });

  test('the worker adds the missing search attributes, and a render ends done, rendered once', async () => {
    server = await startDevServer({ uiPort: false, searchAttributes: ['LipsyncStatus=Keyword'] });
    stack = await startTestStack({}, { temporalAddress: server.address });
    expect(await listed(stack)).toEqual(SEARCH_ATTRIBUTES.map((entry) => entry.split('=')[0]).sort());
    const id = await stack.preview('namespace set up by hand');
    await stack.orchestrator.startRender(id, FAST);
    const result = await stack.orchestrator.waitForResult(id);
    expect(result.output).toMatch(/^https:/);
    expect((await stack.sandbox.control.stats()).renders[id]).toBe(1);
  });
});

describe('a namespace where a search attribute has another type', () => {
  let server: RunningDevServer | undefined;
  afterAll(async () => {
    await server?.stop();
  });

  test('the worker stops with a ConfigError naming TEMPORAL_NAMESPACE and the attribute', async () => {
    server = await startDevServer({ uiPort: false, searchAttributes: ['LipsyncStatus=Keyword', 'LipsyncPollFrom=Keyword'] });
    const connection = await testNativeConnection(server.address);
    try {
      const refused = ensureSearchAttributes(connection.operatorService, 'default');
      await expect(refused).rejects.toThrow(ConfigError);
      await expect(refused).rejects.toThrow(/^TEMPORAL_NAMESPACE: .*LipsyncPollFrom is Keyword, the trackers need Datetime/);
    } finally {
      await connection.close();
    }
  });
});
