import type { Requirement } from '../../lib/core/model';
import { DEFAULT_RULE_PARAMETERS, type RuleParameters } from '../../lib/parameters';
import { requirementsFor } from '../../lib/requirements/derive';
import {
  extractUsage,
  resolveSecretReferences,
  type BatchJobDefinition,
  type KeyMetadata,
  type ResolvedSecretArns,
} from '../../lib/usage';
import {
  ACCOUNT,
  aJobDefinition,
  aRole,
  aTaskDefinition,
  awslogs,
  ECR_REPOSITORY_ARN,
  EXECUTION_ROLE_ACTIONS,
  LOCATION,
  REGION,
  ROLE_ARN,
  type JobDefinitionOptions,
} from '../builders';

const SM = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret`;
const SSM = `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter`;
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const STREAMS = (group: string) => `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${group}:log-stream:*`;

/** `ID action resource <- consumer, consumer` or `ID (unverifiable) subject <- consumer`, for readable tables. */
function summarise(requirement: Requirement): string {
  const by = (consumers: readonly { name: string }[]) => consumers.map((c) => c.name).join(', ');
  switch (requirement.kind) {
    case 'trust':
      return `${requirement.id}${requirement.requireConfusedDeputyCondition ? ' +confused-deputy' : ''}`;
    case 'attachment':
      return requirement.id;
    case 'permission':
      return `${requirement.id} ${requirement.action} ${requirement.resource} <- ${by(requirement.neededBy)}`;
    case 'unverifiable':
      return `${requirement.id} (unverifiable) ${requirement.subject} <- ${by(requirement.neededBy)}`;
  }
}

function requirementsOf(
  jobs: readonly BatchJobDefinition[],
  options: { keys?: KeyMetadata; params?: Partial<RuleParameters> } = {},
): string[] {
  const usage = extractUsage(jobs, [], LOCATION).get(ROLE_ARN);
  const params = { ...DEFAULT_RULE_PARAMETERS, ...options.params };
  return requirementsFor(aRole(), usage, options.keys ?? new Map(), params, LOCATION).map(summarise);
}

/** Requirements of one job `etl:3` (options as given), without the trust and execution-permission lines. */
function extraRequirementsOf(job: JobDefinitionOptions, keys: KeyMetadata = new Map()): string[] {
  return requirementsOf(
    [aJobDefinition({ image: 'nginx', logConfiguration: { logDriver: 'none' }, ...job })],
    {
      keys,
    },
  ).filter((line) => !line.startsWith('TRUST_') && !line.startsWith('EXEC_'));
}

describe('requirementsFor', () => {
  it('asks a role without consumers for trust and the six actions on every resource', () => {
    const every = (action: string): string =>
      action === 'ecr:GetAuthorizationToken'
        ? '*'
        : action.startsWith('ecr:')
          ? `arn:aws:ecr:${REGION}:*:repository/*`
          : `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:*:log-stream:*`;
    expect(requirementsOf([])).toEqual([
      'TRUST_ECS_TASKS',
      ...EXECUTION_ROLE_ACTIONS.map(
        (action) => `EXEC_PERMISSIONS ${action} ${every(action)} <- AmazonECSTaskExecutionRolePolicy`,
      ),
    ]);
  });

  it.each<[string, Partial<RuleParameters>, string[]]>([
    [
      'RequireConfusedDeputyCondition',
      { requireConfusedDeputyCondition: true },
      ['TRUST_ECS_TASKS +confused-deputy'],
    ],
    ['RequireManagedPolicy', { requireManagedPolicy: true }, ['TRUST_ECS_TASKS', 'MANAGED_POLICY_ATTACHED']],
  ])('adds what %s demands', (_label, params, expected) => {
    expect(requirementsOf([], { params }).filter((line) => !line.startsWith('EXEC_'))).toEqual(expected);
  });

  it('narrows the execution permissions to the repositories and log groups a job uses', () => {
    expect(requirementsOf([aJobDefinition({ logConfiguration: awslogs('/etl') })])).toEqual([
      'TRUST_ECS_TASKS',
      'EXEC_PERMISSIONS ecr:GetAuthorizationToken * <- etl:3',
      `EXEC_PERMISSIONS ecr:BatchCheckLayerAvailability ${ECR_REPOSITORY_ARN} <- etl:3`,
      `EXEC_PERMISSIONS ecr:GetDownloadUrlForLayer ${ECR_REPOSITORY_ARN} <- etl:3`,
      `EXEC_PERMISSIONS ecr:BatchGetImage ${ECR_REPOSITORY_ARN} <- etl:3`,
      `EXEC_PERMISSIONS logs:CreateLogStream ${STREAMS('/etl')} <- etl:3`,
      `EXEC_PERMISSIONS logs:PutLogEvents ${STREAMS('/etl')} <- etl:3`,
    ]);
  });

  it('keeps only the token grant when no consumer pulls from ECR, and no logs grants without awslogs', () => {
    // Arrange
    const usage = extractUsage([], [aTaskDefinition({ containers: [{ image: 'nginx' }] })], LOCATION).get(
      ROLE_ARN,
    );

    // Act
    const requirements = requirementsFor(aRole(), usage, new Map(), DEFAULT_RULE_PARAMETERS, LOCATION);

    // Assert
    expect(requirements.map(summarise)).toEqual([
      'TRUST_ECS_TASKS',
      'EXEC_PERMISSIONS ecr:GetAuthorizationToken * <- AmazonECSTaskExecutionRolePolicy',
    ]);
  });

  it('merges identical grants across consumers into one requirement naming them all', () => {
    // Act
    const lines = requirementsOf([
      aJobDefinition({ secrets: { DB: '/prod/db' } }),
      aJobDefinition({ revision: 4, secrets: { DB: '/prod/db' } }),
    ]);

    // Assert
    expect(lines).toContain(`EXEC_PERMISSIONS ecr:BatchGetImage ${ECR_REPOSITORY_ARN} <- etl:3, etl:4`);
    expect(lines).toContain(
      `EXEC_PERMISSIONS logs:PutLogEvents ${STREAMS('/aws/batch/job')} <- etl:3, etl:4`,
    );
    expect(lines.filter((line) => line.startsWith('SECRETS_SSM'))).toEqual([
      `SECRETS_SSM ssm:GetParameters ${SSM}/prod/db <- etl:3, etl:4`,
    ]);
  });

  describe('secrets (keys known, AWS managed)', () => {
    it.each<[string, JobDefinitionOptions, KeyMetadata, string[]]>([
      [
        'a Secrets Manager ARN',
        { secrets: { DB: `${SM}:prod/db-AbCdEf:password::` } },
        new Map([[`${SM}:prod/db-AbCdEf`, null]]),
        [`SECRETS_MANAGER secretsmanager:GetSecretValue ${SM}:prod/db-AbCdEf <- etl:3`],
      ],
      [
        'an SSM parameter name',
        { secrets: { DB: '/prod/db' } },
        new Map([[`${SSM}/prod/db`, null]]),
        [`SECRETS_SSM ssm:GetParameters ${SSM}/prod/db <- etl:3`],
      ],
      [
        'a log driver secret option',
        {
          logConfiguration: {
            logDriver: 'splunk',
            secretOptions: [{ name: 'token', valueFrom: 'splunk-token' }],
          },
        },
        new Map([[`${SSM}/splunk-token`, null]]),
        [`SECRETS_SSM ssm:GetParameters ${SSM}/splunk-token <- etl:3`],
      ],
      [
        'a pass-through parameter (both grants, secret by name pattern)',
        { secrets: { DB: '/aws/reference/secretsmanager/prod/db' } },
        new Map([[`${SM}:prod/db`, null]]),
        [
          `SECRETS_SSM ssm:GetParameters ${SSM}/aws/reference/secretsmanager/prod/db <- etl:3`,
          `SECRETS_MANAGER secretsmanager:GetSecretValue ${SM}:prod/db-?????? <- etl:3`,
        ],
      ],
      [
        'registry credentials by name',
        { credentialsParameter: 'dockerhub' },
        new Map([[`${SM}:dockerhub`, null]]),
        [`REGISTRY_CREDENTIALS secretsmanager:GetSecretValue ${SM}:dockerhub-?????? <- etl:3`],
      ],
      [
        'registry credentials by ARN',
        { credentialsParameter: `${SM}:dockerhub-AbCdEf` },
        new Map([[`${SM}:dockerhub-AbCdEf`, null]]),
        [`REGISTRY_CREDENTIALS secretsmanager:GetSecretValue ${SM}:dockerhub-AbCdEf <- etl:3`],
      ],
      [
        'an unparseable reference',
        { secrets: { DB: 'arn:aws:s3:::bucket' } },
        new Map(),
        ['SECRETS_SSM (unverifiable) containerProperties.secrets[DB] "arn:aws:s3:::bucket" <- etl:3'],
      ],
    ])('asks for %s', (_label, job, keys, expected) => {
      expect(extraRequirementsOf(job, keys)).toEqual(expected);
    });
  });

  describe('secrets named without their suffix, resolved by DescribeSecret', () => {
    const DOCKERHUB = `${SM}:dockerhub-AbCdEf`;
    const PROD_DB = `${SM}:prod/db-Q1w2E3`;
    const requirementsResolving = (
      job: JobDefinitionOptions,
      resolvedArns: ResolvedSecretArns,
      keys: KeyMetadata,
    ): Requirement[] => {
      const index = extractUsage([aJobDefinition({ image: 'nginx', ...job })], [], LOCATION);
      const usage = resolveSecretReferences(index, resolvedArns).get(ROLE_ARN);
      return requirementsFor(aRole(), usage, keys, DEFAULT_RULE_PARAMETERS, LOCATION).filter(
        (requirement) => requirement.id !== 'TRUST_ECS_TASKS' && requirement.id !== 'EXEC_PERMISSIONS',
      );
    };

    it.each<[string, JobDefinitionOptions, ResolvedSecretArns, string[]]>([
      [
        'registry credentials by name, resolved: the full ARN',
        { credentialsParameter: 'dockerhub' },
        new Map([[`${SM}:dockerhub`, DOCKERHUB]]),
        [`REGISTRY_CREDENTIALS secretsmanager:GetSecretValue ${DOCKERHUB} <- etl:3`],
      ],
      [
        'registry credentials by name, unresolved: the NAME-?????? pattern',
        { credentialsParameter: 'dockerhub' },
        new Map(),
        [`REGISTRY_CREDENTIALS secretsmanager:GetSecretValue ${SM}:dockerhub-?????? <- etl:3`],
      ],
      [
        'a pass-through, resolved: the parameter and the full secret ARN',
        { secrets: { DB: '/aws/reference/secretsmanager/prod/db' } },
        new Map([[`${SM}:prod/db`, PROD_DB]]),
        [
          `SECRETS_SSM ssm:GetParameters ${SSM}/aws/reference/secretsmanager/prod/db <- etl:3`,
          `SECRETS_MANAGER secretsmanager:GetSecretValue ${PROD_DB} <- etl:3`,
        ],
      ],
      [
        'a pass-through, unresolved: the NAME-?????? pattern',
        { secrets: { DB: '/aws/reference/secretsmanager/prod/db' } },
        new Map([[`${SM}:dockerhub`, DOCKERHUB]]),
        [
          `SECRETS_SSM ssm:GetParameters ${SSM}/aws/reference/secretsmanager/prod/db <- etl:3`,
          `SECRETS_MANAGER secretsmanager:GetSecretValue ${SM}:prod/db-?????? <- etl:3`,
        ],
      ],
      [
        'a resolution that is not the name plus a six-character suffix: ignored, the pattern stays',
        { credentialsParameter: 'dockerhub' },
        new Map([[`${SM}:dockerhub`, `${SM}:dockerhub-creds-AbCdEf`]]),
        [`REGISTRY_CREDENTIALS secretsmanager:GetSecretValue ${SM}:dockerhub-?????? <- etl:3`],
      ],
      [
        'a full ARN reference: unchanged by a resolution of the same name',
        { credentialsParameter: DOCKERHUB },
        new Map([[`${SM}:dockerhub`, `${SM}:dockerhub-ZzZzZz`]]),
        [`REGISTRY_CREDENTIALS secretsmanager:GetSecretValue ${DOCKERHUB} <- etl:3`],
      ],
    ])('asks for %s', (_label, job, resolvedArns, expected) => {
      const keys = new Map([
        [`${SM}:dockerhub`, null],
        [`${SM}:prod/db`, null],
        [DOCKERHUB, null],
        [`${SSM}/aws/reference/secretsmanager/prod/db`, null],
      ]);
      expect(requirementsResolving(job, resolvedArns, keys).map(summarise)).toEqual(expected);
    });

    it('reads the KMS key by the reference as described, and states the full ARN as the encryption context', () => {
      // Act
      const requirements = requirementsResolving(
        { credentialsParameter: 'dockerhub' },
        new Map([[`${SM}:dockerhub`, DOCKERHUB]]),
        new Map([[`${SM}:dockerhub`, KEY]]),
      );

      // Assert
      expect(requirements.map(summarise)).toEqual([
        `REGISTRY_CREDENTIALS secretsmanager:GetSecretValue ${DOCKERHUB} <- etl:3`,
        `KMS_DECRYPT kms:Decrypt ${KEY} <- etl:3`,
      ]);
      expect(requirements[1]).toMatchObject({
        context: { 'kms:EncryptionContext:SecretARN': [DOCKERHUB] },
      });
    });

    it('states no SecretARN context for an unresolved name (its suffix is unknown)', () => {
      const requirements = requirementsResolving(
        { credentialsParameter: 'dockerhub' },
        new Map(),
        new Map([[`${SM}:dockerhub`, KEY]]),
      );
      expect(requirements[1]?.kind === 'permission' && requirements[1].context).toEqual({
        'kms:CallerAccount': [ACCOUNT],
        'kms:ViaService': [`secretsmanager.${REGION}.amazonaws.com`],
      });
    });
  });

  describe('KMS keys', () => {
    const secret = `${SM}:prod/db-AbCdEf`;
    const job = { secrets: { DB: secret, TOKEN: '/prod/token' } };
    const decrypts = (keys: KeyMetadata) => {
      const usage = extractUsage([aJobDefinition(job)], [], LOCATION).get(ROLE_ARN);
      return requirementsFor(aRole(), usage, keys, DEFAULT_RULE_PARAMETERS, LOCATION).filter(
        (requirement) => requirement.id === 'KMS_DECRYPT',
      );
    };

    it.each<[string, KeyMetadata, string[]]>([
      [
        'nothing for AWS managed keys (null)',
        new Map([
          [secret, null],
          [`${SSM}/prod/token`, null],
        ]),
        [],
      ],
      [
        'nothing for the aws/ aliases',
        new Map([
          [secret, 'alias/aws/secretsmanager'],
          [`${SSM}/prod/token`, `arn:aws:kms:${REGION}:${ACCOUNT}:alias/aws/ssm`],
        ]),
        [],
      ],
      [
        'kms:Decrypt on a customer managed key, once per use',
        new Map([
          [secret, KEY],
          [`${SSM}/prod/token`, KEY],
        ]),
        [`KMS_DECRYPT kms:Decrypt ${KEY} <- etl:3`, `KMS_DECRYPT kms:Decrypt ${KEY} <- etl:3`],
      ],
      [
        'a key ARN built from a bare key id in the secret’s region and account',
        new Map<string, string | null>([
          [secret, '1234abcd-12ab-34cd-56ef-1234567890ab'],
          [`${SSM}/prod/token`, null],
        ]),
        [`KMS_DECRYPT kms:Decrypt ${KEY} <- etl:3`],
      ],
      [
        'an unverifiable requirement for a key absent from the metadata (fail closed)',
        new Map([[secret, null]]),
        [`KMS_DECRYPT (unverifiable) ${SSM}/prod/token <- etl:3`],
      ],
      [
        'an unverifiable requirement for a customer alias',
        new Map([
          [secret, 'alias/prod'],
          [`${SSM}/prod/token`, null],
        ]),
        [`KMS_DECRYPT (unverifiable) ${secret} <- etl:3`],
      ],
    ])('asks for %s', (_label, keys, expected) => {
      expect(decrypts(keys).map(summarise)).toEqual(expected);
    });

    it('states the via-service context Secrets Manager and Parameter Store present to KMS', () => {
      // Act
      const requirements = decrypts(
        new Map([
          [secret, KEY],
          [`${SSM}/prod/token`, KEY],
        ]),
      );

      // Assert
      expect(requirements.map((r) => (r.kind === 'permission' ? r.context : undefined))).toEqual([
        {
          'kms:CallerAccount': [ACCOUNT],
          'kms:ViaService': [`secretsmanager.${REGION}.amazonaws.com`],
          'kms:EncryptionContext:SecretARN': [secret],
        },
        {
          'kms:CallerAccount': [ACCOUNT],
          'kms:ViaService': [`ssm.${REGION}.amazonaws.com`],
          'kms:EncryptionContext:PARAMETER_ARN': [`${SSM}/prod/token`],
        },
      ]);
    });
  });

  describe('rule parameters', () => {
    it.each<[string, Partial<RuleParameters>, KeyMetadata, string[]]>([
      [
        'SecretArns',
        { secretArns: [`${SM}:shared-AbCdEf`] },
        new Map([[`${SM}:shared-AbCdEf`, null]]),
        [`SECRETS_MANAGER secretsmanager:GetSecretValue ${SM}:shared-AbCdEf <- SecretArns`],
      ],
      [
        'a SecretArns pattern (no KMS look-up)',
        { secretArns: [`${SM}:shared/*`] },
        new Map(),
        [`SECRETS_MANAGER secretsmanager:GetSecretValue ${SM}:shared/* <- SecretArns`],
      ],
      [
        'ParameterArns with a customer key',
        { parameterArns: [`${SSM}/shared`] },
        new Map([[`${SSM}/shared`, KEY]]),
        [
          `SECRETS_SSM ssm:GetParameters ${SSM}/shared <- ParameterArns`,
          `KMS_DECRYPT kms:Decrypt ${KEY} <- ParameterArns`,
        ],
      ],
      [
        'ParameterArns whose key is unknown',
        { parameterArns: [`${SSM}/shared`] },
        new Map(),
        [
          `SECRETS_SSM ssm:GetParameters ${SSM}/shared <- ParameterArns`,
          `KMS_DECRYPT (unverifiable) ${SSM}/shared <- ParameterArns`,
        ],
      ],
      ['KmsKeyArns', { kmsKeyArns: [KEY] }, new Map(), [`KMS_DECRYPT kms:Decrypt ${KEY} <- KmsKeyArns`]],
    ])('ask every candidate for %s', (_label, params, keys, expected) => {
      // Act
      const lines = requirementsOf([], { params, keys });

      // Assert
      expect(lines.filter((line) => !line.startsWith('TRUST_') && !line.startsWith('EXEC_'))).toEqual(
        expected,
      );
    });

    it('apply to roles with consumers too', () => {
      const lines = requirementsOf([aJobDefinition()], { params: { kmsKeyArns: [KEY] } });
      expect(lines).toContain(`KMS_DECRYPT kms:Decrypt ${KEY} <- KmsKeyArns`);
    });
  });
});
