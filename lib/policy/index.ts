/** The IAM policy engine (placeholder signatures; the engine issue fills these in). */
import type { EvaluationResult, PolicyDocument, PolicySet, Request, TrustQuery, TrustResult } from './types';
export * from './types';
export { PolicyParseError } from './errors';

/** Parses and normalises an object, JSON string or URL-encoded JSON string. Throws PolicyParseError. */
export function parsePolicyDocument(_input: unknown): PolicyDocument {
  throw new Error('not implemented yet');
}

/** Evaluates one request against identity policies intersected with an optional boundary. */
export function evaluateRequest(_request: Request, _policies: PolicySet): EvaluationResult {
  throw new Error('not implemented yet');
}

/** Whether a trust policy lets `query.service` call sts:AssumeRole. */
export function evaluateTrust(_trust: PolicyDocument, _query: TrustQuery): TrustResult {
  throw new Error('not implemented yet');
}
