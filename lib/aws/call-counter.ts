/** Counts SDK calls per operation: benchmarks and tests use it to prove how many requests a path costs. */

// Each client types its stack with its own input and output unions; the counter passes them through untouched.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type PassThroughHandler = (args: any) => Promise<any>;

/** The part of an SDK client this needs; every v3 client has it. */
export interface MiddlewareStackHolder {
  readonly middlewareStack: {
    add(
      middleware: (
        next: PassThroughHandler,
        context: { readonly commandName?: string },
      ) => PassThroughHandler,
      options: { step: 'initialize'; name: string; override?: boolean },
    ): void;
  };
}

/**
 * Adds a middleware that increments `counts[operation]` (`GetRole`, `PutEvaluations`) once per `send`,
 * before retries, so a throttled call counts once. Safe to call twice on one client: the second replaces it.
 */
export function countCalls(client: MiddlewareStackHolder, counts: Map<string, number>): void {
  client.middlewareStack.add(
    (next, context) => (args) => {
      const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      counts.set(operation, (counts.get(operation) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'executionRoleCheckCallCounter', override: true },
  );
}
