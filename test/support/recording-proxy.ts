/**
 * A loopback HTTP proxy in front of moto_server for integration tests of the built bundle. It forwards every
 * request, records which operations were called, and plays AWS Config where moto cannot (see MOTO-GAPS.md):
 * PutEvaluations (recorded, checked against AWS's limits, kept as the rule's results unless TestMode),
 * GetComplianceDetailsByConfigRule (paged from those results) and GetResourceConfigHistory (from fixtures).
 * Point the bundle at it with `awsEnv(proxy.endpoint)`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { forwardTo, header, startLoopbackServer } from './loopback-proxy';

/** One evaluation exactly as the client sent it (JSON body; OrderingTimestamp in epoch seconds). */
export interface SentEvaluation {
  readonly ComplianceResourceType: string;
  readonly ComplianceResourceId: string;
  readonly ComplianceType: string;
  readonly Annotation?: string;
  readonly OrderingTimestamp: number;
}

/** The JSON body of one PutEvaluations call that Config accepted. */
export interface PutEvaluationsCall {
  readonly Evaluations: readonly SentEvaluation[];
  readonly ResultToken: string;
  readonly TestMode?: boolean;
}

/** One of the rule's current results, as Config keeps them: the latest evaluation per resource. */
export interface StoredResult {
  readonly resourceType: string;
  readonly resourceId: string;
  readonly complianceType: 'COMPLIANT' | 'NON_COMPLIANT' | 'NOT_APPLICABLE';
  readonly annotation?: string;
  /** Epoch seconds. */
  readonly orderingTimestamp?: number;
}

/** A configuration item in the API shape (`configuration` a JSON string, `arn`, `accountId`, epoch seconds). */
export type ApiConfigurationItem = Record<string, unknown> & {
  readonly resourceType: string;
  readonly resourceId: string;
};

export interface RecordingProxy {
  /** `http://127.0.0.1:PORT` */
  readonly endpoint: string;
  /** Every accepted PutEvaluations body, in order (TestMode ones included). */
  readonly putEvaluationsCalls: readonly PutEvaluationsCall[];
  /** Every evaluation Config accepted, flattened in order (FailedEvaluations left out). */
  deliveredEvaluations(): SentEvaluation[];
  /** The rule's results now: seeded ones updated by every accepted, non-TestMode evaluation. */
  results(): StoredResult[];
  /** Results the rule had before the test (for stale-result retirement). */
  seedResults(results: readonly StoredResult[]): void;
  /** What GetResourceConfigHistory answers for the item's resourceType and resourceId. */
  setConfigurationItem(item: ApiConfigurationItem): void;
  /** The next `times` PutEvaluations calls that carry these resource ids list them in FailedEvaluations. */
  failEvaluations(resourceIds: readonly string[], times?: number): void;
  /** Answers AccessDenied for `service:Operation` (`iam:GetAccountAuthorizationDetails`, case-insensitive). */
  deny(operation: string): void;
  /** `service:Operation` of every request, in order (`iam:GetRole`, `config:PutEvaluations`, `batch:describejobdefinitions`). */
  operations(): string[];
  /** How many times each operation was called. */
  operationCounts(): Map<string, number>;
  /** Forgets recordings, results, fixtures, failures and denials. */
  clear(): void;
  stop(): Promise<void>;
}

/** Options: the rule name GetComplianceDetailsByConfigRule answers for. */
export interface RecordingProxyOptions {
  readonly configRuleName?: string;
}

// PutEvaluations: at most 100 evaluations; Annotation 1-256 characters; ComplianceResourceId 1-768.
const MAX_EVALUATIONS = 100;
const MAX_ANNOTATION = 256;
const MAX_RESOURCE_ID = 768;
// GetComplianceDetailsByConfigRule: Limit 0-100, 0 or absent meaning 10.
const MAX_RESULTS_LIMIT = 100;
const DEFAULT_RESULTS_LIMIT = 10;
const PUTTABLE_TYPES = ['COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE'];

class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** Starts the proxy on a free 127.0.0.1 port, forwarding everything it does not answer to `target`. */
export async function startRecordingProxy(
  target: string,
  options: RecordingProxyOptions = {},
): Promise<RecordingProxy> {
  const ruleName = options.configRuleName ?? 'execution-role-check';
  const targetUrl = new URL(target);
  const calls: PutEvaluationsCall[] = [];
  const delivered: SentEvaluation[] = [];
  const results = new Map<string, StoredResult>();
  const items = new Map<string, ApiConfigurationItem>();
  const failures: { ids: Set<string>; remaining: number }[] = [];
  const denied = new Set<string>();
  const operations: string[] = [];
  const key = (type: string, id: string): string => `${type}\u0000${id}`;

  const putEvaluations = (body: Record<string, unknown>): unknown => {
    const evaluations = body['Evaluations'];
    const token = body['ResultToken'];
    if (typeof token !== 'string' || token === '')
      throw new ApiError('InvalidResultTokenException', 'no ResultToken');
    if (!Array.isArray(evaluations)) throw new ApiError('InvalidParameterValueException', 'no Evaluations');
    if (evaluations.length > MAX_EVALUATIONS) {
      throw new ApiError('InvalidParameterValueException', `${evaluations.length} evaluations (at most 100)`);
    }
    for (const evaluation of evaluations as SentEvaluation[]) validateEvaluation(evaluation);
    const sent = evaluations as SentEvaluation[];
    const failing = new Set<string>();
    for (const failure of failures) {
      const hit = sent.filter((evaluation) => failure.ids.has(evaluation.ComplianceResourceId));
      if (failure.remaining <= 0 || hit.length === 0) continue;
      failure.remaining--;
      for (const evaluation of hit) failing.add(evaluation.ComplianceResourceId);
    }
    const failed = sent.filter((evaluation) => failing.has(evaluation.ComplianceResourceId));
    const accepted = sent.filter((evaluation) => !failing.has(evaluation.ComplianceResourceId));
    calls.push({ ...(body as unknown as PutEvaluationsCall) });
    delivered.push(...accepted);
    // Config keeps no results from TestMode calls.
    if (body['TestMode'] !== true) {
      for (const evaluation of accepted) {
        results.set(key(evaluation.ComplianceResourceType, evaluation.ComplianceResourceId), {
          resourceType: evaluation.ComplianceResourceType,
          resourceId: evaluation.ComplianceResourceId,
          complianceType: evaluation.ComplianceType as StoredResult['complianceType'],
          ...(evaluation.Annotation !== undefined && { annotation: evaluation.Annotation }),
          orderingTimestamp: evaluation.OrderingTimestamp,
        });
      }
    }
    return { FailedEvaluations: failed };
  };

  const complianceDetails = (body: Record<string, unknown>): unknown => {
    if (body['ConfigRuleName'] !== ruleName) {
      throw new ApiError('NoSuchConfigRuleException', `No rule ${String(body['ConfigRuleName'])}`);
    }
    const types = (body['ComplianceTypes'] as string[] | undefined) ?? [];
    if (types.includes('INSUFFICIENT_DATA')) {
      throw new ApiError('InvalidParameterValueException', 'INSUFFICIENT_DATA cannot be used as a filter');
    }
    const limit =
      typeof body['Limit'] === 'number' && body['Limit'] > 0 ? body['Limit'] : DEFAULT_RESULTS_LIMIT;
    if (limit > MAX_RESULTS_LIMIT) throw new ApiError('InvalidParameterValueException', 'Limit above 100');
    const start =
      typeof body['NextToken'] === 'string' ? Number(Buffer.from(body['NextToken'], 'base64').toString()) : 0;
    const matching = [...results.values()].filter(
      (r) => types.length === 0 || types.includes(r.complianceType),
    );
    const page = matching.slice(start, start + limit);
    const now = Date.now() / 1000;
    return {
      EvaluationResults: page.map((result) => ({
        EvaluationResultIdentifier: {
          EvaluationResultQualifier: {
            ConfigRuleName: ruleName,
            ResourceType: result.resourceType,
            ResourceId: result.resourceId,
            EvaluationMode: 'DETECTIVE',
          },
          OrderingTimestamp: result.orderingTimestamp ?? now,
        },
        ComplianceType: result.complianceType,
        ResultRecordedTime: now,
        ConfigRuleInvokedTime: now,
        ...(result.annotation !== undefined && { Annotation: result.annotation }),
      })),
      ...(start + limit < matching.length && {
        NextToken: Buffer.from(String(start + limit)).toString('base64'),
      }),
    };
  };

  const configHistory = (body: Record<string, unknown>): unknown => {
    const item = items.get(key(String(body['resourceType']), String(body['resourceId'])));
    if (item === undefined) {
      throw new ApiError(
        'ResourceNotDiscoveredException',
        `Resource ${String(body['resourceId'])} of resourceType:${String(body['resourceType'])} is unknown or has not been discovered`,
      );
    }
    return { configurationItems: [item] };
  };

  const configHandlers: Record<string, (body: Record<string, unknown>) => unknown> = {
    'StarlingDoveService.PutEvaluations': putEvaluations,
    'StarlingDoveService.GetComplianceDetailsByConfigRule': complianceDetails,
    'StarlingDoveService.GetResourceConfigHistory': configHistory,
  };

  const server = await startLoopbackServer((incoming, body, outgoing) => {
    const target = header(incoming, 'x-amz-target');
    const operation = operationOf(incoming, body);
    if (operation !== undefined) operations.push(operation);
    try {
      if (operation !== undefined && denied.has(operation.toLowerCase())) {
        denyRequest(incoming, outgoing, operation);
        return;
      }
      const handle = target === undefined ? undefined : configHandlers[target];
      if (handle !== undefined) {
        const parsed = JSON.parse(body.length === 0 ? '{}' : body.toString('utf8')) as Record<
          string,
          unknown
        >;
        sendJson(outgoing, 200, handle(parsed));
        return;
      }
    } catch (error) {
      if (error instanceof ApiError) {
        sendJson(outgoing, error.status, { __type: error.code, message: error.message }, error.code);
        return;
      }
      sendJson(outgoing, 500, { __type: 'InternalFailure', message: String(error) }, 'InternalFailure');
      return;
    }
    forwardTo(targetUrl, incoming, body, outgoing, (error) =>
      sendJson(outgoing, 502, { __type: 'ProxyError', message: error.message }),
    );
  });

  return {
    endpoint: server.endpoint,
    putEvaluationsCalls: calls,
    deliveredEvaluations: () => [...delivered],
    results: () => [...results.values()],
    seedResults: (seeded) => {
      for (const result of seeded) results.set(key(result.resourceType, result.resourceId), result);
    },
    setConfigurationItem: (item) => items.set(key(item.resourceType, item.resourceId), item),
    failEvaluations: (resourceIds, times = 1) =>
      failures.push({ ids: new Set(resourceIds), remaining: times }),
    deny: (operation) => denied.add(operation.toLowerCase()),
    operations: () => [...operations],
    operationCounts: () => {
      const counts = new Map<string, number>();
      for (const operation of operations) counts.set(operation, (counts.get(operation) ?? 0) + 1);
      return counts;
    },
    clear: () => {
      calls.length = 0;
      delivered.length = 0;
      operations.length = 0;
      failures.length = 0;
      results.clear();
      items.clear();
      denied.clear();
    },
    stop: () => server.stop(),
  };
}

function validateEvaluation(evaluation: SentEvaluation): void {
  const id = evaluation.ComplianceResourceId;
  if (typeof evaluation.ComplianceResourceType !== 'string' || evaluation.ComplianceResourceType === '') {
    throw new ApiError('ValidationException', 'ComplianceResourceType is required');
  }
  if (typeof id !== 'string' || id.length < 1 || id.length > MAX_RESOURCE_ID) {
    throw new ApiError('ValidationException', `ComplianceResourceId must be 1-${MAX_RESOURCE_ID} characters`);
  }
  if (!PUTTABLE_TYPES.includes(evaluation.ComplianceType)) {
    throw new ApiError(
      'InvalidParameterValueException',
      `ComplianceType ${evaluation.ComplianceType} for ${id}`,
    );
  }
  if (typeof evaluation.OrderingTimestamp !== 'number') {
    throw new ApiError('ValidationException', `OrderingTimestamp is required (${id})`);
  }
  const annotation = evaluation.Annotation;
  if (annotation !== undefined && (annotation.length < 1 || annotation.length > MAX_ANNOTATION)) {
    throw new ApiError('ValidationException', `Annotation must be 1-${MAX_ANNOTATION} characters (${id})`);
  }
}

/** `service:Operation` from the SigV4 credential scope and the JSON target, query Action or REST path. */
function operationOf(incoming: IncomingMessage, body: Buffer): string | undefined {
  const scope = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(header(incoming, 'authorization') ?? '');
  if (scope === null) return undefined; // moto-api and other unsigned requests
  const service = scope[1] ?? 'unknown';
  const target = header(incoming, 'x-amz-target');
  if (target !== undefined) return `${service}:${target.slice(target.indexOf('.') + 1)}`;
  const action = /(?:^|&)Action=([^&]+)/.exec(body.toString('utf8'));
  if (action?.[1] !== undefined) return `${service}:${decodeURIComponent(action[1])}`;
  const path = (incoming.url ?? '').split('?')[0] ?? '';
  return `${service}:${path.slice(path.lastIndexOf('/') + 1)}`;
}

/** AccessDenied in the protocol the service speaks: XML for query services (IAM), JSON otherwise. */
function denyRequest(incoming: IncomingMessage, outgoing: ServerResponse, operation: string): void {
  const message = `User: arn:aws:sts::123456789012:assumed-role/test/test is not authorized to perform: ${operation}`;
  if (
    header(incoming, 'x-amz-target') === undefined &&
    (header(incoming, 'content-type') ?? '').includes('x-www-form-urlencoded')
  ) {
    const xml =
      '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type>' +
      `<Code>AccessDenied</Code><Message>${message}</Message></Error><RequestId>denied</RequestId></ErrorResponse>`;
    outgoing.writeHead(403, { 'content-type': 'text/xml' });
    outgoing.end(xml);
    return;
  }
  sendJson(outgoing, 403, { __type: 'AccessDeniedException', message }, 'AccessDeniedException');
}

function sendJson(outgoing: ServerResponse, status: number, body: unknown, errorType?: string): void {
  const text = JSON.stringify(body);
  outgoing.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': 'recording-proxy',
    ...(errorType !== undefined && { 'x-amzn-errortype': errorType }),
  });
  outgoing.end(text);
}
