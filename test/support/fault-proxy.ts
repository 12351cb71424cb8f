/**
 * A fault-injecting loopback proxy for reliability tests. It sits in front of moto_server (or in front of
 * the recording proxy, so PutEvaluations are still recorded) and answers a configurable share of requests
 * with the failure each protocol really produces: IAM's query/XML `Throttling`, the JSON services'
 * `ThrottlingException`, Batch's HTTP 429, 5xx errors, connection resets, or forwards them slowly.
 *
 * Faulted requests are never forwarded, so a retried write reaches the backend once. Decisions come from a
 * seeded PRNG keyed on the operation, the attempt number and how many such requests came before (since the
 * last `setFaults`), not on bodies that carry random ids: the same seed and the same sequence of calls fault
 * the same calls, run after run, and concurrent calls of one operation only swap which of them is hit.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { forwardTo, header, startLoopbackServer } from './loopback-proxy';

/** What the proxy can do to a request instead of forwarding it promptly. */
export const FAULT_KINDS = ['throttle', 'serverError', 'reset', 'slow'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** The wire protocol of a request, which decides how its errors look. */
export type Protocol = 'query' | 'json' | 'rest-json';

/** Shares (0..1) of matching requests that get each fault; they add up to at most 1. */
export interface FaultRule {
  /**
   * `service:Operation` glob, case-insensitive: `*`, `iam:*`, `iam:GetPolicyVersion`, `batch:describejobdefinitions`
   * (REST operations are named by their path). Default `*`.
   */
  readonly operation?: string;
  readonly throttle?: number;
  readonly serverError?: number;
  readonly reset?: number;
  readonly slow?: number;
  /** How long a slow request is held before it is forwarded (default 150 ms). */
  readonly slowMs?: number;
  /** Only attempts up to this number (from `amz-sdk-request`) can be faulted; later ones pass. Default: all. */
  readonly attempts?: number;
}

/** One request as the proxy saw it. */
export interface ObservedRequest {
  /** `iam:GetAccountAuthorizationDetails`, `config:PutEvaluations`, `batch:describejobdefinitions`. */
  readonly operation: string;
  readonly protocol: Protocol;
  /** The SDK's `amz-sdk-invocation-id`: the same for every attempt of one `send`. */
  readonly invocationId: string | undefined;
  /** From `amz-sdk-request: attempt=N; max=M`. */
  readonly attempt: number | undefined;
  readonly maxAttempts: number | undefined;
  /** What the proxy did instead of forwarding promptly; undefined when it forwarded promptly. */
  readonly fault: FaultKind | undefined;
  readonly body: string;
}

/** Called before a request that is not faulted is forwarded: tests change the backend here. */
export type RequestHook = (request: ObservedRequest) => void | Promise<void>;

export interface FaultProxy {
  /** `http://127.0.0.1:PORT` */
  readonly endpoint: string;
  /**
   * Replaces the fault rules (the first rule matching an operation applies) and optionally the seed, and
   * restarts the sequence the draws are keyed on.
   */
  setFaults(rules: readonly FaultRule[], seed?: number): void;
  /** Runs `hook` before each forwarded request (replacing an earlier hook); undefined removes it. */
  onForward(hook: RequestHook | undefined): void;
  /** Every signed request seen, in arrival order (unsigned ones, like moto-api calls, are not listed). */
  requests(): readonly ObservedRequest[];
  /** How many requests got each fault. */
  faultCounts(): Record<FaultKind, number>;
  /** Attempts per SDK invocation (`amz-sdk-invocation-id`), with the operation they were for. */
  attemptsPerInvocation(): Map<string, { readonly operation: string; readonly attempts: number }>;
  /** Forgets the requests seen; keeps rules, seed and hook. */
  clearRequests(): void;
  stop(): Promise<void>;
}

export interface FaultProxyOptions {
  readonly rules?: readonly FaultRule[];
  readonly seed?: number;
}

const DEFAULT_SLOW_MS = 150;

/** Starts the proxy on a free 127.0.0.1 port, forwarding to `target`. */
export async function startFaultProxy(target: string, options: FaultProxyOptions = {}): Promise<FaultProxy> {
  const targetUrl = new URL(target);
  let rules: readonly FaultRule[] = options.rules ?? [];
  let seed = options.seed ?? 1;
  let hook: RequestHook | undefined;
  const seen: ObservedRequest[] = [];
  // How many requests per operation and attempt came since the last setFaults: part of each draw's key.
  const occurrences = new Map<string, number>();
  const occurrence = (request: Pick<ObservedRequest, 'operation' | 'attempt'>): number => {
    const key = `${request.operation.toLowerCase()}#${request.attempt ?? 0}`;
    const count = occurrences.get(key) ?? 0;
    occurrences.set(key, count + 1);
    return count;
  };

  const forward = (incoming: IncomingMessage, body: Buffer, outgoing: ServerResponse): void =>
    forwardTo(targetUrl, incoming, body, outgoing, (error) =>
      sendJson(outgoing, 502, { __type: 'ProxyError', message: error.message }),
    );

  const server = await startLoopbackServer((incoming, body, outgoing) => {
    const described = describeRequest(incoming, body);
    if (described === undefined) {
      forward(incoming, body, outgoing);
      return;
    }
    const rule = rules.find((candidate) => matchesOperation(candidate.operation ?? '*', described.operation));
    const key = `${seed}\n${described.operation.toLowerCase()}\n${described.attempt ?? 0}\n${occurrence(described)}`;
    const fault =
      rule === undefined || (rule.attempts !== undefined && (described.attempt ?? 1) > rule.attempts)
        ? undefined
        : pickFault(rule, draw(key));
    const observed: ObservedRequest = { ...described, fault, body: body.toString('utf8') };
    seen.push(observed);
    switch (fault) {
      case 'throttle':
        sendThrottle(outgoing, observed);
        return;
      case 'serverError':
        sendServerError(outgoing, observed, draw(`${key}\nstatus`));
        return;
      case 'reset':
        // RST rather than FIN: the client sees ECONNRESET, which the SDK classifies as transient.
        incoming.socket.resetAndDestroy();
        return;
      case 'slow':
        setTimeout(() => void proceed(), rule?.slowMs ?? DEFAULT_SLOW_MS);
        return;
      case undefined:
        void proceed();
        return;
    }

    async function proceed(): Promise<void> {
      try {
        await hook?.(observed);
      } catch (error) {
        sendJson(outgoing, 500, { __type: 'FaultProxyHookError', message: String(error) });
        return;
      }
      forward(incoming, body, outgoing);
    }
  });

  return {
    endpoint: server.endpoint,
    setFaults: (next, nextSeed) => {
      for (const rule of next) validateRule(rule);
      rules = [...next];
      if (nextSeed !== undefined) seed = nextSeed;
      occurrences.clear();
    },
    onForward: (next) => {
      hook = next;
    },
    requests: () => [...seen],
    faultCounts: () => {
      const counts = { throttle: 0, serverError: 0, reset: 0, slow: 0 };
      for (const request of seen) if (request.fault !== undefined) counts[request.fault] += 1;
      return counts;
    },
    attemptsPerInvocation: () => {
      const result = new Map<string, { operation: string; attempts: number }>();
      for (const request of seen) {
        if (request.invocationId === undefined) continue;
        const entry = result.get(request.invocationId);
        result.set(request.invocationId, {
          operation: request.operation,
          attempts: (entry?.attempts ?? 0) + 1,
        });
      }
      return result;
    },
    clearRequests: () => {
      seen.length = 0;
    },
    stop: () => server.stop(),
  };
}

function validateRule(rule: FaultRule): void {
  const shares = [rule.throttle, rule.serverError, rule.reset, rule.slow].map((share) => share ?? 0);
  if (shares.some((share) => share < 0 || share > 1) || shares.reduce((a, b) => a + b, 0) > 1 + 1e-9) {
    throw new Error(`fault shares must be within 0..1 and add up to at most 1: ${JSON.stringify(rule)}`);
  }
}

/** The fault whose share `roll` (0..1) falls into, in FAULT_KINDS order; undefined for the remainder. */
function pickFault(rule: FaultRule, roll: number): FaultKind | undefined {
  let threshold = 0;
  for (const kind of FAULT_KINDS) {
    threshold += rule[kind] ?? 0;
    if (roll < threshold) return kind;
  }
  return undefined;
}

/** A number in [0, 1) fixed by `key` (seed, operation, attempt, occurrence): the same key, the same draw. */
function draw(key: string): number {
  return mulberry32(fnv1a(key))();
}

/** 32-bit FNV-1a hash. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The mulberry32 PRNG: small, fast, and good enough to spread faults evenly. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `*` and `?` globs over `service:Operation`, case-insensitive. */
function matchesOperation(pattern: string, operation: string): boolean {
  const regex = pattern
    .split('')
    .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${regex}$`, 'i').test(operation);
}

/** Service from the SigV4 credential scope; operation from X-Amz-Target, the query Action or the REST path. */
function describeRequest(
  incoming: IncomingMessage,
  body: Buffer,
): Omit<ObservedRequest, 'fault' | 'body'> | undefined {
  const scope = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(header(incoming, 'authorization') ?? '');
  if (scope === null) return undefined; // moto-api and other unsigned requests pass untouched
  const service = scope[1] ?? 'unknown';
  const target = header(incoming, 'x-amz-target');
  const contentType = header(incoming, 'content-type') ?? '';
  let protocol: Protocol;
  let operation: string;
  if (target !== undefined) {
    protocol = 'json';
    operation = target.slice(target.indexOf('.') + 1);
  } else if (contentType.includes('x-www-form-urlencoded')) {
    protocol = 'query';
    const action = /(?:^|&)Action=([^&]+)/.exec(body.toString('utf8'));
    operation = decodeURIComponent(action?.[1] ?? 'Unknown');
  } else {
    protocol = 'rest-json';
    const path = (incoming.url ?? '').split('?')[0] ?? '';
    operation = path.slice(path.lastIndexOf('/') + 1);
  }
  const retry = /attempt=(\d+);\s*max=(\d+)/.exec(header(incoming, 'amz-sdk-request') ?? '');
  return {
    operation: `${service}:${operation}`,
    protocol,
    invocationId: header(incoming, 'amz-sdk-invocation-id'),
    attempt: retry === null ? undefined : Number(retry[1]),
    maxAttempts: retry === null ? undefined : Number(retry[2]),
  };
}

/** Each protocol's own throttling answer, as AWS sends it. */
function sendThrottle(outgoing: ServerResponse, request: ObservedRequest): void {
  switch (request.protocol) {
    case 'query':
      // IAM: HTTP 400 with the query protocol's XML error, code Throttling.
      sendXml(outgoing, 400, 'Sender', 'Throttling', 'Rate exceeded');
      return;
    case 'json':
      // Config, SSM, Secrets Manager, ECS (JSON 1.1): HTTP 400 ThrottlingException.
      sendJson(
        outgoing,
        400,
        { __type: 'ThrottlingException', message: 'Rate exceeded' },
        'ThrottlingException',
      );
      return;
    case 'rest-json':
      // Batch (REST-JSON): HTTP 429 Too Many Requests.
      sendJson(outgoing, 429, { message: 'Too Many Requests' }, 'TooManyRequestsException');
      return;
  }
}

/** A 500 or 503 in the protocol's own shape; `roll` picks which. */
function sendServerError(outgoing: ServerResponse, request: ObservedRequest, roll: number): void {
  const unavailable = roll < 0.5;
  switch (request.protocol) {
    case 'query':
      if (unavailable) sendXml(outgoing, 503, 'Receiver', 'ServiceUnavailable', 'Service unavailable');
      else sendXml(outgoing, 500, 'Receiver', 'ServiceFailure', 'Internal failure');
      return;
    case 'json':
      if (unavailable) {
        sendJson(
          outgoing,
          503,
          { __type: 'ServiceUnavailable', message: 'Unavailable' },
          'ServiceUnavailable',
        );
      } else sendJson(outgoing, 500, { __type: 'InternalFailure', message: 'Internal' }, 'InternalFailure');
      return;
    case 'rest-json':
      sendJson(outgoing, unavailable ? 503 : 500, { message: 'Server error' }, 'ServerException');
      return;
  }
}

function sendXml(
  outgoing: ServerResponse,
  status: number,
  type: string,
  code: string,
  message: string,
): void {
  const xml =
    `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>${type}</Type>` +
    `<Code>${code}</Code><Message>${message}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>`;
  outgoing.writeHead(status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(xml) });
  outgoing.end(xml);
}

function sendJson(outgoing: ServerResponse, status: number, body: unknown, errorType?: string): void {
  const text = JSON.stringify(body);
  outgoing.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': 'fault-proxy',
    ...(errorType !== undefined && { 'x-amzn-errortype': errorType }),
  });
  outgoing.end(text);
}
