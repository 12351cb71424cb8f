/**
 * The audit's layer files (--resource-policies, --organization-policies): read into the facts the rule
 * weighs, and refused with the entry named when they are not what the help describes.
 */
import { AuditInputError } from '../../cli/audit-input';
import { organizationPoliciesFrom, resourcePoliciesFrom } from '../../cli/audit-layers';

const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf';
const REPO = 'arn:aws:ecr:eu-west-1:210987654321:repository/base';
const REGISTRY = 'arn:aws:ecr:eu-west-1:123456789012:registry';
const POLICY = { Version: '2012-10-17', Statement: [] };

describe('resourcePoliciesFrom', () => {
  it('keys each ARN by the layer it is, keeping text as given and null as "no policy"', () => {
    const read = resourcePoliciesFrom(
      { [KEY]: POLICY, [SECRET]: null, [REPO]: JSON.stringify(POLICY), [REGISTRY]: POLICY },
      'f',
    );
    expect([...read.entries()]).toEqual([
      [`keyPolicy ${KEY}`, { status: 'read', policy: JSON.stringify(POLICY) }],
      [`secretPolicy ${SECRET}`, { status: 'read', policy: null }],
      [`repositoryPolicy ${REPO}`, { status: 'read', policy: JSON.stringify(POLICY) }],
      ['registryPolicy 123456789012 eu-west-1', { status: 'read', policy: JSON.stringify(POLICY) }],
    ]);
  });

  it.each<[string, unknown, RegExp]>([
    ['a list', [POLICY], /object of ARN -> policy/],
    ['an alias ARN', { 'arn:aws:kms:eu-west-1:123456789012:alias/x': POLICY }, /alias\/x" is not a KMS key/],
    ['a bucket ARN', { 'arn:aws:s3:::bucket': POLICY }, /is not a KMS key, secret/],
    ['a number as policy', { [KEY]: 3 }, /expected a policy/],
  ])('refuses %s, naming it', (_label, json, problem) => {
    expect(() => resourcePoliciesFrom(json, 'f')).toThrow(AuditInputError);
    expect(() => resourcePoliciesFrom(json, 'f')).toThrow(problem);
  });
});

describe('organizationPoliciesFrom', () => {
  it('reads the levels from the root down, policy contents as text', () => {
    const read = organizationPoliciesFrom(
      {
        managementAccountId: '999999999999',
        organizationId: 'o-abc123',
        scps: { levels: [{ targetId: 'r-ab12', policies: [{ id: 'p-FullAWSAccess', content: POLICY }] }] },
      },
      'f',
    );
    expect(read).toEqual({
      managementAccountId: '999999999999',
      organizationId: 'o-abc123',
      scps: {
        levels: [
          {
            targetId: 'r-ab12',
            policies: [{ id: 'p-FullAWSAccess', name: 'p-FullAWSAccess', content: JSON.stringify(POLICY) }],
          },
        ],
      },
    });
  });

  it.each<[string, unknown, RegExp]>([
    ['no management account', { scps: { levels: [] } }, /managementAccountId/],
    [
      'a bad organization id',
      { managementAccountId: '999999999999', organizationId: 'org' },
      /organizationId/,
    ],
    ['no levels', { managementAccountId: '999999999999', scps: { levels: [] } }, /scps.levels/],
    [
      'a policy without content',
      {
        managementAccountId: '999999999999',
        rcps: { levels: [{ targetId: 'r-1', policies: [{ id: 'p-1' }] }] },
      },
      /rcps.levels\[0\].policies\[0\].content/,
    ],
  ])('refuses %s, naming the field', (_label, json, problem) => {
    expect(() => organizationPoliciesFrom(json, 'f')).toThrow(problem);
  });
});
