/**
 * The worker's check of its namespace's search attributes, on an OperatorService that
 * refuses: the integration test (test/integration/search-attributes.test.ts) plays the
 * dev server's real answers; a cluster that does not let a worker add them is played here.
 */
import { ConfigError } from '../../src/config';
import { SEARCH_ATTRIBUTES, searchAttributeTypes } from '../../src/contract/search-attributes';
import { ensureSearchAttributes } from '../../src/worker/search-attributes';

const grpcError = (code: number, message: string) => Object.assign(new Error(message), { code });

describe('ensureSearchAttributes', () => {
  test('a missing attribute that cannot be added: one ConfigError line naming the namespace, the attributes and the commands to add them', async () => {
    const operator = {
      listSearchAttributes: async () => ({ customAttributes: { LipsyncStatus: 2 } }),
      addSearchAttributes: async () => {
        throw grpcError(7, '7 PERMISSION_DENIED: Request unauthorized.');
      },
    };
    const refused = ensureSearchAttributes(operator as never, 'prod');
    await expect(refused).rejects.toBeInstanceOf(ConfigError);
    const message = await refused.catch((err: Error) => err.message);
    expect(message).toMatch(/^TEMPORAL_NAMESPACE: namespace "prod" lacks the search attributes LipsyncPollFrom, LipsyncCreditsEstimate, LipsyncCreditsUsed, LipsyncDetectedBy /);
    expect(message).toContain('PERMISSION_DENIED');
    expect(message).toContain('temporal operator search-attribute create --namespace prod --name LipsyncPollFrom --type Datetime');
    expect(message).not.toContain('\n');
  });

  test('an add refused because another worker added them a moment before: all there, nothing to do', async () => {
    let adds = 0;
    const operator = {
      listSearchAttributes: async () => ({ customAttributes: adds === 0 ? { LipsyncStatus: 2 } : searchAttributeTypes() }),
      addSearchAttributes: async () => {
        adds++;
        throw grpcError(6, '6 ALREADY_EXISTS: Search attribute LipsyncPollFrom already exists.');
      },
    };
    await expect(ensureSearchAttributes(operator as never, 'default')).resolves.toEqual({ added: [] });
    expect(adds).toBe(1);
  });

  test('a server that does not let the worker list them: unchecked, and the worker goes on', async () => {
    const operator = {
      listSearchAttributes: async () => {
        throw grpcError(12, '12 UNIMPLEMENTED: not here');
      },
      addSearchAttributes: async () => ({}),
    };
    await expect(ensureSearchAttributes(operator as never, 'cloud')).resolves.toEqual({ unchecked: '12 UNIMPLEMENTED: not here' });
  });

  test('all there: nothing added; any other failure of the listing is thrown as it is', async () => {
    const all = searchAttributeTypes();
    let adds = 0;
    const operator = { listSearchAttributes: async () => ({ customAttributes: all }), addSearchAttributes: async () => void adds++ };
    await expect(ensureSearchAttributes(operator as never, 'default')).resolves.toEqual({ added: [] });
    expect(adds).toBe(0);
    const down = { listSearchAttributes: async () => Promise.reject(grpcError(14, '14 UNAVAILABLE')), addSearchAttributes: async () => ({}) };
    await expect(ensureSearchAttributes(down as never, 'default')).rejects.toThrow('UNAVAILABLE');
  });

  test('SEARCH_ATTRIBUTES names every key the trackers write, with its type', () => {
    expect(SEARCH_ATTRIBUTES).toEqual(['LipsyncStatus=Keyword', 'LipsyncPollFrom=Datetime', 'LipsyncCreditsEstimate=Double', 'LipsyncCreditsUsed=Double', 'LipsyncDetectedBy=Keyword']);
  });
});
