/** The receiver's side of the token: is a path token one of ours? (Derivation: contract/webhook-url.ts.) */
import { timingSafeEqual } from 'node:crypto';
import { WEBHOOK_TOKEN_LENGTH } from '../config';
import { webhookToken } from '../contract/webhook-url';

/**
 * Whether `candidate` is the token of any secret. Every secret is compared, with no
 * early exit, so neither the match nor which secret matched shows in the timing; all
 * secrets are accepted so URLs handed out under an older secret keep working.
 */
export function matchToken(candidate: string, secrets: readonly string[]): boolean {
  const given = Buffer.from(candidate, 'utf8');
  // timingSafeEqual needs equal lengths; a wrong-length candidate is still compared
  // (against itself-sized zeros) so it costs the same as a wrong token.
  const rightLength = given.length === WEBHOOK_TOKEN_LENGTH;
  const probe = rightLength ? given : Buffer.alloc(WEBHOOK_TOKEN_LENGTH);
  let matched = false;
  for (const secret of secrets) {
    const expected = Buffer.from(webhookToken(secret), 'utf8');
    matched = timingSafeEqual(probe, expected) || matched;
  }
  return matched && rightLength;
}
