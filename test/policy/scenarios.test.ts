/**
 * Runs the JSON scenarios in ./scenarios: each file is a set of policies and the requests (or trust
 * queries) with the answers we expect. The files read as the spec of the engine's behaviour.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  evaluateRequest,
  evaluateTrust,
  parsePolicyDocument,
  statementLabel,
  type Decision,
  type NamedPolicy,
  type PolicyKind,
  type Request,
} from '../../lib/policy';
import { ACCOUNT } from './support';

interface RawPolicy {
  kind: PolicyKind;
  name: string;
  document: unknown;
}

interface Scenario {
  description: string;
  policies?: { identity: RawPolicy[]; boundary?: RawPolicy };
  cases?: {
    name: string;
    request: Request;
    expect: { decision: Decision; conditional?: boolean; deniedBy?: string; matched?: string[] };
  }[];
  trustCases?: {
    name: string;
    trust: unknown;
    expect: { decision: Decision; conditional: boolean; hasConfusedDeputyCondition: boolean };
  }[];
}

const dir = join(__dirname, 'scenarios');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

const named = (raw: RawPolicy): NamedPolicy => ({ ...raw, document: parsePolicyDocument(raw.document) });

it('finds the scenario files', () => {
  expect(files.length).toBeGreaterThanOrEqual(3);
});

describe.each(files)('%s', (file) => {
  const scenario = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Scenario;
  const policies = scenario.policies && {
    identity: scenario.policies.identity.map(named),
    ...(scenario.policies.boundary ? { boundary: named(scenario.policies.boundary) } : {}),
  };

  // A file holds request cases, trust cases or both; jest refuses an empty table.
  const cases = (scenario.cases ?? []).map((c) => [c.name, c] as const);
  const trustCases = (scenario.trustCases ?? []).map((c) => [c.name, c] as const);
  it('has cases', () => expect(cases.length + trustCases.length).toBeGreaterThan(0));

  if (cases.length > 0)
    it.each(cases)('%s', (_name, c) => {
      const result = evaluateRequest(c.request, policies ?? { identity: [] });
      expect(result.decision).toBe(c.expect.decision);
      if (c.expect.conditional !== undefined) expect(result.conditional).toBe(c.expect.conditional);
      if (c.expect.deniedBy !== undefined) expect(result.deniedBy).toBe(c.expect.deniedBy);
      if (c.expect.matched !== undefined)
        expect(result.matchedStatements.map(statementLabel)).toEqual(c.expect.matched);
    });

  if (trustCases.length > 0)
    it.each(trustCases)('trust: %s', (_name, c) => {
      const result = evaluateTrust(parsePolicyDocument(c.trust, { kind: 'resource' }), {
        service: 'ecs-tasks.amazonaws.com',
        accountId: ACCOUNT,
        partition: 'aws',
      });
      expect({
        decision: result.decision,
        conditional: result.conditional,
        hasConfusedDeputyCondition: result.hasConfusedDeputyCondition,
      }).toEqual(c.expect);
    });
});
