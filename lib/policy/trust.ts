/**
 * Trust policies: may a service principal (`ecs-tasks.amazonaws.com`) call sts:AssumeRole on the role?
 * The request context at that moment is only partly knowable: for ECS tasks AWS documents
 * `aws:SourceAccount` (the role's account) and `aws:SourceArn` (an ECS ARN of that account), so
 * conditions on those two keys are decided; any other condition leaves the answer conditional.
 */
import { parseOperator, FALSE, TRUE, UNKNOWN, type Tri } from './conditions';
import { compileArnGlob, compilePlainGlob, escapeRaw, isAllStars } from './glob';
import { actionMatcher, arnOverlaps, matchesPrincipal } from './match';
import type {
  PolicyDocument,
  Statement,
  StatementRef,
  TrustQuery,
  TrustResult,
  UnresolvedCondition,
} from './types';

const ASSUME_ROLE = 'sts:assumerole';
const SOURCE_ACCOUNT = 'aws:sourceaccount';
const SOURCE_ARN = 'aws:sourcearn';

/** Splits an ARN pattern into its six parts; the last part keeps any further colons. */
function arnParts(pattern: string): string[] {
  const parts = pattern.split(':');
  return parts.length <= 6 ? parts : [...parts.slice(0, 5), parts.slice(5).join(':')];
}

/** Whether one `aws:SourceAccount` value matches the account (`like`: as a glob). */
function accountValueMatches(value: string, accountId: string, like: boolean): boolean {
  return like ? compilePlainGlob(escapeRaw(value)).test(accountId) : value === accountId;
}

/**
 * Whether one `aws:SourceArn` pattern matches the ECS ARNs of the account: TRUE when it covers every
 * ECS ARN of the account in the regions it names (`arn:aws:ecs:*:ACCOUNT:*`,
 * `arn:aws:ecs:us-east-1:ACCOUNT:*`), FALSE when it cannot match any, UNKNOWN otherwise (a narrower
 * resource part: which ARN ECS sends is not something we can know).
 */
function sourceArnValueMatches(pattern: string, accountId: string, partition: string): Tri {
  const eglob = escapeRaw(pattern);
  const everyEcsArn = `arn:${partition}:ecs:*:${accountId}:*`;
  if (isAllStars(eglob)) return TRUE;
  const parts = arnParts(pattern);
  // Accept a pattern limited to some regions: the role's tasks run in the regions the owner chose.
  const region = parts.length === 6 ? (parts[3] as string) : '*';
  const inItsRegions = `arn:${partition}:ecs:${region}:${accountId}:*`;
  if (compileArnGlob(eglob).test(everyEcsArn) || compileArnGlob(eglob).test(inItsRegions)) return TRUE;
  return arnOverlaps(eglob, everyEcsArn) ? UNKNOWN : FALSE;
}

/** The positive reading of a condition on a key we can decide; UNKNOWN for everything else. */
function trustCondition(
  operator: string,
  keyLower: string,
  values: readonly string[],
  query: TrustQuery,
): Tri {
  const op = parseOperator(operator);
  if (!op.spec || op.set !== 'none') return UNKNOWN;
  const family = op.spec.family;
  let positive: Tri;
  if (keyLower === SOURCE_ACCOUNT && (family === 'string' || family === 'like')) {
    positive = values.some((v) => accountValueMatches(v, query.accountId, family === 'like')) ? TRUE : FALSE;
  } else if (keyLower === SOURCE_ARN && (family === 'arn' || family === 'like')) {
    positive = FALSE;
    for (const v of values) {
      const t = sourceArnValueMatches(v, query.accountId, query.partition ?? 'aws');
      if (t === TRUE) {
        positive = TRUE;
        break;
      }
      if (t === UNKNOWN) positive = UNKNOWN;
    }
  } else {
    return UNKNOWN;
  }
  if (positive === UNKNOWN || !op.spec.negated) return positive;
  return positive === TRUE ? FALSE : TRUE;
}

/**
 * Whether the statement is limited to callers from the role's own account: a positive, single-valued
 * condition whose every value is exactly that account (`aws:SourceAccount`), or an ECS ARN pattern whose
 * account field is exactly it (`aws:SourceArn`). A key that is merely present (`StringLike "*"`,
 * `StringNotEquals`, `...IfExists`) restricts nothing and does not count.
 */
function restrictsToAccount(statement: Statement, query: TrustQuery): boolean {
  for (const operator of Object.keys(statement.condition)) {
    const op = parseOperator(operator);
    if (!op.spec || op.spec.negated || op.ifExists || op.set !== 'none') continue;
    const family = op.spec.family;
    for (const [key, values] of Object.entries(statement.condition[operator] ?? {})) {
      if (values.length === 0) continue;
      const lower = key.toLowerCase();
      if (lower === SOURCE_ACCOUNT && (family === 'string' || family === 'like')) {
        if (values.every((value) => value === query.accountId)) return true;
      } else if (lower === SOURCE_ARN && (family === 'arn' || family === 'like')) {
        const exact = (value: string): boolean => {
          const parts = arnParts(value);
          return parts.length === 6 && parts[2]?.toLowerCase() === 'ecs' && parts[4] === query.accountId;
        };
        if (values.every(exact)) return true;
      }
    }
  }
  return false;
}

function principalApplies(statement: Statement, service: string): boolean {
  const principal = { type: 'Service', id: service } as const;
  if (statement.principal !== undefined) return matchesPrincipal(statement.principal, principal);
  if (statement.notPrincipal !== undefined) return !matchesPrincipal(statement.notPrincipal, principal);
  // A trust statement without a principal is invalid: it allows no one, and a Deny denies everyone.
  return statement.effect === 'Deny';
}

function actionApplies(statement: Statement): boolean {
  const patterns = statement.action ?? statement.notAction ?? [];
  const hit = patterns.some((p) => actionMatcher(p)(ASSUME_ROLE));
  return statement.action !== undefined ? hit : !hit;
}

function refOf(statement: Statement): StatementRef {
  return {
    policyKind: 'trust',
    policyName: 'trust',
    statementIndex: statement.index,
    effect: statement.effect,
    ...(statement.sid !== undefined ? { sid: statement.sid } : {}),
  };
}

/**
 * Whether the trust policy lets `query.service` call sts:AssumeRole (`sts:*`, `*`, NotAction and
 * case variants included). Deny statements count; conditions other than the documented
 * SourceAccount/SourceArn context make the answer conditional rather than guessed.
 */
export function evaluateTrust(trust: PolicyDocument, query: TrustQuery): TrustResult {
  const allows: Statement[] = [];
  const denies: Statement[] = [];
  const unresolvedAllows: UnresolvedCondition[] = [];
  const unresolvedDenies: UnresolvedCondition[] = [];
  for (const statement of trust.statements) {
    if (!principalApplies(statement, query.service) || !actionApplies(statement)) continue;
    // Trust policies have no Resource element (IAM rejects one); never let an odd one widen an Allow.
    if (statement.effect === 'Allow' && (statement.resource ?? statement.notResource) !== undefined) continue;
    let result: Tri = TRUE;
    const pending: UnresolvedCondition[] = [];
    for (const operator of Object.keys(statement.condition)) {
      const keys = statement.condition[operator] ?? {};
      for (const key of Object.keys(keys)) {
        const values = keys[key] ?? [];
        const t = trustCondition(operator, key.toLowerCase(), values, query);
        if (t === FALSE) result = FALSE;
        else if (t === UNKNOWN) {
          if (result === TRUE) result = UNKNOWN;
          pending.push({ ...refOf(statement), operator, key, values });
        }
      }
    }
    if (result === FALSE) continue;
    const deny = statement.effect === 'Deny';
    if (result === TRUE) (deny ? denies : allows).push(statement);
    else (deny ? unresolvedDenies : unresolvedAllows).push(...pending);
  }

  if (denies.length > 0) {
    return {
      decision: 'explicitDeny',
      conditional: false,
      matchedStatements: denies.map(refOf),
      unresolvedConditions: [],
      hasConfusedDeputyCondition: false,
    };
  }
  if (allows.length > 0) {
    return {
      decision: 'allowed',
      conditional: unresolvedDenies.length > 0,
      matchedStatements: allows.map(refOf),
      unresolvedConditions: unresolvedDenies,
      // Hardened only if every way in carries the condition: one bare Allow beside it defeats it.
      hasConfusedDeputyCondition: allows.every((statement) => restrictsToAccount(statement, query)),
    };
  }
  return {
    decision: 'implicitDeny',
    conditional: unresolvedAllows.length > 0,
    matchedStatements: [],
    unresolvedConditions: unresolvedAllows,
    hasConfusedDeputyCondition: false,
  };
}

/** A trust statement whose `aws:SourceArn` condition names specific ECS resources (a cluster) only. */
export interface UnsupportedSourceArn {
  readonly statement: StatementRef;
  /** The operator and key as written: `ArnEquals`, `aws:SourceArn`. */
  readonly operator: string;
  readonly key: string;
  /** The values that name a specific resource: `arn:aws:ecs:us-east-1:111122223333:cluster/prod`. */
  readonly values: readonly string[];
  /** What AWS documents instead, in the same region: `arn:aws:ecs:us-east-1:111122223333:*`. */
  readonly replacement: string;
}

/**
 * Allow statements trusting `query.service` whose `aws:SourceArn` condition can only match specific ECS
 * resources (`...:cluster/prod`, `...:cluster/*`): "Using the aws:SourceArn condition key to specify a
 * specific cluster is not currently supported", AWS says, and documents `arn:aws:ecs:REGION:ACCOUNT:*`
 * instead (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html). A condition
 * that also holds a value covering every ECS ARN of the account still works and is not reported.
 */
export function findUnsupportedSourceArns(trust: PolicyDocument, query: TrustQuery): UnsupportedSourceArn[] {
  const partition = query.partition ?? 'aws';
  const found: UnsupportedSourceArn[] = [];
  for (const statement of trust.statements) {
    if (
      statement.effect !== 'Allow' ||
      !principalApplies(statement, query.service) ||
      !actionApplies(statement)
    )
      continue;
    for (const operator of Object.keys(statement.condition)) {
      const op = parseOperator(operator);
      if (!op.spec || op.spec.negated || op.set !== 'none') continue;
      const family = op.spec.family;
      if (family !== 'arn' && family !== 'like' && family !== 'string') continue;
      for (const [key, values] of Object.entries(statement.condition[operator] ?? {})) {
        if (key.toLowerCase() !== SOURCE_ARN) continue;
        const specific = values.filter(namesSpecificEcsResource);
        const covering = values.some(
          (value) => sourceArnValueMatches(value, query.accountId, partition) === TRUE,
        );
        if (specific.length === 0 || covering) continue;
        const region = arnParts(specific[0] as string)[3] || '*';
        found.push({
          statement: refOf(statement),
          operator,
          key,
          values: specific,
          replacement: `arn:${partition}:ecs:${region}:${query.accountId}:*`,
        });
      }
    }
  }
  return found;
}

/** `arn:aws:ecs:REGION:ACCOUNT:cluster/NAME` and any other ECS ARN whose resource part is not just `*`. */
function namesSpecificEcsResource(value: string): boolean {
  const parts = arnParts(value);
  return parts.length === 6 && parts[2]?.toLowerCase() === 'ecs' && !isAllStars(escapeRaw(parts[5] ?? ''));
}
