/**
 * The IAM policy engine: parse and normalise documents, match actions/ARNs/principals, evaluate
 * identity requests (with a permissions boundary) and trust policies. Pure and synchronous.
 */
export * from './types';
export { PolicyParseError } from './errors';
export { parsePolicyDocument, type ParseOptions } from './parse';
export { evaluateRequest } from './evaluate';
export { evaluateTrust, findUnsupportedSourceArns, type UnsupportedSourceArn } from './trust';
export { statementLabel } from './label';
export {
  matchesActionPattern,
  matchesArnPattern,
  matchesPrincipal,
  arnCovers,
  arnOverlaps,
  type PrincipalRef,
} from './match';
export { statementSpans, type StatementSpan, type TextPosition } from './positions';
