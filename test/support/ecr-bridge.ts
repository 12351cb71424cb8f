/**
 * A loopback HTTP bridge in front of moto_server that plays ECR's DescribePullThroughCacheRules, which moto
 * 5.2.1 does not implement (HTTP 500, see MOTO-GAPS.md), and forwards every other request unchanged.
 * startMoto() puts it in front of every moto it starts, so the SDK adapters, the built bundles and the CLI
 * read pull through cache rules over HTTP as they would from AWS. Test support only: lib/ never knows.
 */
import type { ServerResponse } from 'node:http';
import { forwardTo, header, startLoopbackServer } from './loopback-proxy';

/** One rule as DescribePullThroughCacheRules returns it (epoch seconds for createdAt). */
export interface BridgedPullThroughCacheRule {
  readonly ecrRepositoryPrefix: string;
  readonly upstreamRegistryUrl: string;
}

export interface EcrBridge {
  /** `http://127.0.0.1:PORT` */
  readonly endpoint: string;
  /** What DescribePullThroughCacheRules answers in `region` from now on (replacing earlier rules). */
  setPullThroughCacheRules(region: string, rules: readonly BridgedPullThroughCacheRule[]): void;
  /** How many DescribePullThroughCacheRules requests reached the bridge, by region. */
  describeCalls(): ReadonlyMap<string, number>;
  /** Forgets every rule and count. */
  clear(): void;
  stop(): Promise<void>;
}

const TARGET = 'AmazonEC2ContainerRegistry_V20150921.DescribePullThroughCacheRules';
// DescribePullThroughCacheRules: maxResults 1-1000, 100 when absent (ECR API reference).
const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;

/** Starts the bridge on a free 127.0.0.1 port, forwarding everything it does not answer to `target`. */
export async function startEcrBridge(target: string, accountId: string): Promise<EcrBridge> {
  const targetUrl = new URL(target);
  const rulesByRegion = new Map<string, readonly BridgedPullThroughCacheRule[]>();
  const calls = new Map<string, number>();
  const createdAt = Math.floor(Date.now() / 1000);

  const describe = (region: string, body: Record<string, unknown>): { status: number; body: unknown } => {
    calls.set(region, (calls.get(region) ?? 0) + 1);
    const maxResults = body['maxResults'] ?? DEFAULT_PAGE;
    if (typeof maxResults !== 'number' || maxResults < 1 || maxResults > MAX_PAGE) {
      return {
        status: 400,
        body: { __type: 'InvalidParameterException', message: 'maxResults must be between 1 and 1000' },
      };
    }
    const start =
      typeof body['nextToken'] === 'string' ? Number(Buffer.from(body['nextToken'], 'base64').toString()) : 0;
    const rules = rulesByRegion.get(region) ?? [];
    const page = rules.slice(start, start + maxResults);
    return {
      status: 200,
      body: {
        pullThroughCacheRules: page.map((rule) => ({ ...rule, registryId: accountId, createdAt })),
        ...(start + maxResults < rules.length && {
          nextToken: Buffer.from(String(start + maxResults)).toString('base64'),
        }),
      },
    };
  };

  const server = await startLoopbackServer((incoming, body, outgoing) => {
    if (header(incoming, 'x-amz-target') === TARGET) {
      const region = /Credential=[^/]+\/[^/]+\/([^/]+)\//.exec(header(incoming, 'authorization') ?? '')?.[1];
      const parsed = JSON.parse(body.length === 0 ? '{}' : body.toString('utf8')) as Record<string, unknown>;
      const answer = describe(region ?? 'us-east-1', parsed);
      sendJson(outgoing, answer.status, answer.body);
      return;
    }
    forwardTo(targetUrl, incoming, body, outgoing, (error) =>
      sendJson(outgoing, 502, { __type: 'BridgeError', message: error.message }),
    );
  });

  return {
    endpoint: server.endpoint,
    setPullThroughCacheRules: (region, rules) => rulesByRegion.set(region, [...rules]),
    describeCalls: () => new Map(calls),
    clear: () => {
      rulesByRegion.clear();
      calls.clear();
    },
    stop: () => server.stop(),
  };
}

function sendJson(outgoing: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  const errorType =
    status >= 400 && typeof body === 'object' && body !== null
      ? String((body as { __type?: unknown }).__type ?? '')
      : '';
  outgoing.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': 'ecr-bridge',
    ...(errorType !== '' && { 'x-amzn-errortype': errorType }),
  });
  outgoing.end(text);
}
