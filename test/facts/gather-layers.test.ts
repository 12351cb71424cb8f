/**
 * gatherLayers: each target read once through the port of its kind, and the organization's policies read
 * only when OrganizationPolicies asks; a refused organization read is an unreadable layer, anything else
 * fails the invocation.
 */
import { AwsCallError, MissingPermissionError } from '../../lib/core/errors';
import { gatherLayers } from '../../lib/facts/gather';
import type {
  LayerTarget,
  OrganizationPolicyReader,
  ResourcePolicyReader,
} from '../../lib/facts/layer-ports';
import { DEFAULT_RULE_PARAMETERS, type RuleParameters } from '../../lib/parameters';

const ACCOUNT = '123456789012';
const target = (kind: LayerTarget['kind'], arn: string, key = `${kind} ${arn}`): LayerTarget => ({
  kind,
  key,
  arn,
  ownerAccountId: ACCOUNT,
  region: 'eu-west-1',
});
const TARGETS = [
  target('keyPolicy', 'arn:aws:kms:eu-west-1:123456789012:key/k'),
  target('secretPolicy', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:s-AbCdEf'),
  target('repositoryPolicy', 'arn:aws:ecr:eu-west-1:210987654321:repository/r'),
  target(
    'registryPolicy',
    'arn:aws:ecr:eu-west-1:123456789012:repository/ecr-public/x',
    'registryPolicy 123456789012 eu-west-1',
  ),
  {
    kind: 'bucketPolicy',
    key: 'bucketPolicy arn:aws:s3:::b',
    arn: 'arn:aws:s3:::b',
    ownerAccountId: '123456789012',
    region: '',
  } satisfies LayerTarget,
];

function recordingReader(calls: string[]): ResourcePolicyReader {
  const read = (call: string) => {
    calls.push(call);
    return Promise.resolve({ status: 'read' as const, policy: call });
  };
  return {
    keyPolicy: (arn) => read(`key ${arn}`),
    secretPolicy: (arn) => read(`secret ${arn}`),
    repositoryPolicy: (arn) => read(`repository ${arn}`),
    registryPolicy: (account, region) => read(`registry ${account} ${region}`),
    bucketPolicy: (arn) => read(`bucket ${arn}`),
  };
}

const withOrganization = (mode: RuleParameters['organizationPolicies']): RuleParameters => ({
  ...DEFAULT_RULE_PARAMETERS,
  organizationPolicies: mode,
});
const organizationReader = (
  answer: () => Promise<never> | ReturnType<OrganizationPolicyReader['policiesFor']>,
) => ({
  policiesFor: answer,
});

describe('gatherLayers', () => {
  it('reads each target through the port of its kind, keyed by the target', async () => {
    // Arrange
    const calls: string[] = [];

    // Act
    const facts = await gatherLayers(
      { resources: recordingReader(calls) },
      TARGETS,
      ACCOUNT,
      DEFAULT_RULE_PARAMETERS,
    );

    // Assert
    expect(calls).toEqual([
      'key arn:aws:kms:eu-west-1:123456789012:key/k',
      'secret arn:aws:secretsmanager:eu-west-1:123456789012:secret:s-AbCdEf',
      'repository arn:aws:ecr:eu-west-1:210987654321:repository/r',
      'registry 123456789012 eu-west-1',
      'bucket arn:aws:s3:::b',
    ]);
    expect([...(facts.resourcePolicies?.keys() ?? [])]).toEqual(TARGETS.map((t) => t.key));
    expect(facts.organization).toBeUndefined();
  });

  it('reads the organization only when asked, and without a reader names it unread', async () => {
    const policies = { managementAccountId: '999999999999' };
    const reader = organizationReader(() => Promise.resolve(policies));
    const off = await gatherLayers(
      { resources: recordingReader([]), organization: reader },
      [],
      ACCOUNT,
      DEFAULT_RULE_PARAMETERS,
    );
    const local = await gatherLayers(
      { resources: recordingReader([]), organization: reader },
      [],
      ACCOUNT,
      withOrganization({ mode: 'local' }),
    );
    const none = await gatherLayers(
      { resources: recordingReader([]) },
      [],
      ACCOUNT,
      withOrganization({ mode: 'local' }),
    );
    expect(off.organization).toBeUndefined();
    expect(local.organization).toEqual({ status: 'read', policies });
    expect(none.organization).toEqual({
      status: 'unreadable',
      detail: 'no reader of organization policies was configured',
    });
  });

  it('an AccessDenied on the organization is an unreadable layer naming the permission; other failures throw', async () => {
    const denied = organizationReader(() =>
      Promise.reject(new MissingPermissionError('organizations:ListParents', 'AccessDeniedException')),
    );
    const broken = organizationReader(() =>
      Promise.reject(new AwsCallError('organizations:ListParents', 'InternalFailure')),
    );
    const params = withOrganization({ mode: 'local' });

    const facts = await gatherLayers(
      { resources: recordingReader([]), organization: denied },
      [],
      ACCOUNT,
      params,
    );

    expect(facts.organization).toEqual({
      status: 'unreadable',
      detail: expect.stringContaining('organizations:ListParents') as unknown,
    });
    await expect(
      gatherLayers({ resources: recordingReader([]), organization: broken }, [], ACCOUNT, params),
    ).rejects.toBeInstanceOf(AwsCallError);
  });
});
