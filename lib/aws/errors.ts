/** Classifies SDK failures once, at the edge: a missing permission is named; anything else names the call. */
import { AwsCallError, MissingPermissionError } from '../core/errors';

// Error codes AWS uses for "the caller's policy does not allow this" across query, JSON and EC2 protocols.
const ACCESS_DENIED_NAMES: ReadonlySet<string> = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
]);

/** The AWS error code of an SDK failure (`NoSuchEntityException`, `AccessDenied`, ...), if it has one. */
export function awsErrorName(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { name, Code } = error as { name?: unknown; Code?: unknown };
  // Unmodeled errors can arrive as a plain `Error` with the AWS code in `Code`.
  if (typeof name === 'string' && name !== '' && name !== 'Error') return name;
  return typeof Code === 'string' && Code !== '' ? Code : typeof name === 'string' ? name : undefined;
}

/** Whether AWS answered that the caller lacks permission. */
export function isAccessDenied(error: unknown): boolean {
  const name = awsErrorName(error);
  return name !== undefined && ACCESS_DENIED_NAMES.has(name);
}

/**
 * MissingPermissionError naming `action` (`iam:GetRole`) for AccessDenied, AwsCallError naming the operation
 * otherwise; the SDK error stays as `cause`. Already classified errors pass through.
 */
export function classifyAwsError(error: unknown, action: string): MissingPermissionError | AwsCallError {
  if (error instanceof MissingPermissionError || error instanceof AwsCallError) return error;
  const operation = action.slice(action.indexOf(':') + 1);
  const name = awsErrorName(error) ?? 'Error';
  const message = error instanceof Error ? error.message : String(error);
  if (isAccessDenied(error)) {
    return new MissingPermissionError(action, `${operation} was denied (${name}: ${message})`, {
      cause: error,
    });
  }
  return new AwsCallError(operation, `${name}: ${message}`, { cause: error });
}

/** Runs one SDK call (already retried by the SDK) and classifies its failure. */
export async function callAws<T>(action: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw classifyAwsError(error, action);
  }
}

/** Like callAws, but resolves undefined when AWS answers with one of `absentErrorNames` (the thing is gone). */
export async function callAwsUnlessAbsent<T>(
  action: string,
  absentErrorNames: readonly string[],
  send: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await send();
  } catch (error) {
    const name = awsErrorName(error);
    if (name !== undefined && absentErrorNames.includes(name)) return undefined;
    throw classifyAwsError(error, action);
  }
}
