/**
 * What a client id may be. Kept apart from the message rules (rules.ts), which build their zod
 * schemas when loaded: the workflow bundle needs only this check, and every workflow the worker
 * starts loads the modules it imports again.
 */
export const CLIENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export function isValidClientId(value: unknown): value is string {
  return typeof value === 'string' && CLIENT_ID_PATTERN.test(value);
}
