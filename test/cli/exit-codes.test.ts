/**
 * The one table from failures to exit codes (src/cli/exit-codes.ts): the codes the README
 * promises, and 1 kept for "the render ended without a video".
 */
import { UsageError } from '../../src/cli/args';
import { describeFailure, ExitCode, sandboxExitCode, TemporalUnreachableError } from '../../src/cli/exit-codes';
import { ApprovalRefusedError, InvalidBatchError, InvalidLipsyncIdError, RenderNotFoundError } from '../../src/client';
import { ConfigError } from '../../src/config';
import { PortInUseError } from '../../src/dev/temporal-server';

const ID = '3f8a1c2e-5b6d-4e7f-8a9b-0c1d2e3f4a5b';

describe('describeFailure', () => {
  test.each([
    ['a usage error', new UsageError('missing <lipsync-id>'), 2, 'missing <lipsync-id>'],
    ['an invalid lipsync id', new InvalidLipsyncIdError('x'), 2, 'not a lipsync id'],
    ['a configuration error', new ConfigError('TEMPORAL_ADDRESS', 'must be host:port'), 78, 'configuration error: TEMPORAL_ADDRESS: must be host:port'],
    ['an untracked lipsync', new RenderNotFoundError(ID), 3, `no render is tracked for lipsync ${ID}`],
    ['Temporal unreachable', new TemporalUnreachableError('127.0.0.1:1', 'refused'), 4, 'cannot reach Temporal at 127.0.0.1:1: refused'],
    ['a port in use', new PortInUseError(7233, 'Temporal gRPC'), 4, 'port 7233 (Temporal gRPC) is already in use'],
    ['a refused approval decision', new ApprovalRefusedError(ID, 'already approved'), 5, `lipsync ${ID}: already approved`],
    ['an invalid batch', new InvalidBatchError('no lipsync ids'), 2, 'invalid batch: no lipsync ids'],
  ])('%s', (_what, err, code, message) => {
    const failure = describeFailure(err);
    expect(failure.code).toBe(code);
    expect(failure.message.startsWith(message)).toBe(true);
  });

  test('anything else is operational, in one line with its cause and no stack', () => {
    const err = new Error('connect failed\n    at somewhere', { cause: new Error('14 UNAVAILABLE') });
    expect(describeFailure(err)).toEqual({ code: ExitCode.Operational, message: 'connect failed' });
    const typed = Object.assign(new Error('boom', { cause: new Error('14 UNAVAILABLE') }), { name: 'TransportError' });
    expect(describeFailure(typed)).toEqual({ code: ExitCode.Operational, message: 'TransportError: boom: 14 UNAVAILABLE' });
    expect(describeFailure('a string')).toEqual({ code: ExitCode.Operational, message: 'a string' });
  });

  test('no failure maps to 1: that code means the render ended without a video', () => {
    const failures = [new UsageError('u'), new ConfigError('X', 'bad'), new PortInUseError(1, 'p'), new Error('e')];
    for (const err of failures) expect(describeFailure(err).code).not.toBe(ExitCode.NoVideo);
  });
});

test("the sandbox runner's own codes are reported in the table's terms", () => {
  expect([0, 1, 2].map(sandboxExitCode)).toEqual([ExitCode.Ok, ExitCode.Operational, ExitCode.Usage]);
});
