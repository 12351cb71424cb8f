/** A policy document that is not valid IAM JSON. `path` names the element: `Statement[2].Effect`. */
export class PolicyParseError extends Error {
  override readonly name = 'PolicyParseError';
  constructor(
    readonly path: string,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(path ? `${path}: ${problem}` : problem, options);
  }
}
