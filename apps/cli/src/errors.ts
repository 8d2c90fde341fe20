import { RunRequestError } from '@latent/train';

/** Bad input from the command line or a config file: exits with status 2, like a wrong flag. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Runs `fn`, turning any error it throws into a UsageError with the same message. */
export function asUsage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** A promise's value, with a bad request (`RunRequestError`) as a usage error; other errors as they are. */
export async function usageOnRequestError<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof RunRequestError) throw new UsageError(e.message);
    throw e;
  }
}
