/**
 * Every remediation sample in events/ through the BUILT remediate handler against moto_server, as
 * `sam local invoke RemediationFunction -e events/remediate-*.json` would run it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetRoleCommand, ListAttachedRolePoliciesCommand } from '@aws-sdk/client-iam';
import type { AwsClients } from '../../lib/aws/clients';
import type { RemediationReport } from '../../lib/remediation/types';
import { awsEnv, clientsFor, MOTO_ACCOUNT_ID, startMoto, type MotoServer } from '../support/moto';
import { EXECUTION_ROLE_POLICY_ARN, seedRole } from '../support/seed';
import { invokeBundle } from '../support/bundle';

const EVENTS = join(__dirname, '..', '..', 'events');
const RULE_PARAMETERS = JSON.stringify({ RoleNamePattern: 'ecsTaskExecutionRole' });
const sample = (file: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(EVENTS, file), 'utf8')) as Record<string, unknown>;

let moto: MotoServer;
let clients: AwsClients;

beforeAll(async () => {
  moto = await startMoto();
  clients = clientsFor(moto.endpoint);
});

afterAll(async () => {
  await moto?.stop();
});

beforeEach(async () => {
  await moto.reset();
  // The samples name ecsTaskExecutionRole of account 123456789012 (moto's account); this one lacks the policy.
  await seedRole(clients.iam, { name: 'ecsTaskExecutionRole' });
});

const attached = async (): Promise<string[]> =>
  (
    (await clients.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'ecsTaskExecutionRole' })))
      .AttachedPolicies ?? []
  ).map((policy) => policy.PolicyArn ?? '');

describe('events/remediate-*.json through the built remediate handler', () => {
  it('covers every remediation sample', () => {
    expect(
      readdirSync(EVENTS)
        .filter((file) => file.startsWith('remediate-'))
        .sort(),
    ).toEqual(['remediate-apply.json', 'remediate-dry-run.json']);
  });

  it('remediate-apply.json (a role ARN of this account) attaches the managed policy', async () => {
    const event = sample('remediate-apply.json');
    expect(event['ResourceId']).toBe(`arn:aws:iam::${MOTO_ACCOUNT_ID}:role/ecsTaskExecutionRole`);

    const outcome = await invokeBundle('remediate', event, { ...awsEnv(moto.endpoint), RULE_PARAMETERS });

    if (!outcome.ok) throw new Error(`${outcome.errorName}: ${outcome.errorMessage}`);
    const report = outcome.result as RemediationReport;
    expect(report.roleName).toBe('ecsTaskExecutionRole');
    expect(report.changes.map((change) => [change.kind, change.status])).toContainEqual([
      'attachManagedPolicy',
      'applied',
    ]);
    expect(await attached()).toContain(EXECUTION_ROLE_POLICY_ARN);
  });

  it('remediate-dry-run.json names a RoleId this account lacks: a clear error, nothing written', async () => {
    const outcome = await invokeBundle('remediate', sample('remediate-dry-run.json'), {
      ...awsEnv(moto.endpoint),
      RULE_PARAMETERS,
    });

    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.errorName).toBe('RoleNotFoundError');
    expect(outcome.errorMessage).toContain('AROAEXAMPLEEXECROLE01');
    expect(await attached()).toEqual([]);
  });

  it('remediate-dry-run.json with the seeded RoleId plans and changes nothing', async () => {
    const roleId = (await clients.iam.send(new GetRoleCommand({ RoleName: 'ecsTaskExecutionRole' }))).Role
      ?.RoleId;
    const event = { ...sample('remediate-dry-run.json'), ResourceId: roleId };

    const outcome = await invokeBundle('remediate', event, { ...awsEnv(moto.endpoint), RULE_PARAMETERS });

    if (!outcome.ok) throw new Error(`${outcome.errorName}: ${outcome.errorMessage}`);
    const report = outcome.result as RemediationReport;
    expect(report.dryRun).toBe(true);
    expect(report.changes.map((change) => [change.kind, change.status])).toContainEqual([
      'attachManagedPolicy',
      'planned',
    ]);
    expect(await attached()).toEqual([]);
  });
});
