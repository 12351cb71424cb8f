/**
 * In-memory ports and AWS Config events for unit tests of runRule: an account of roles, job and task
 * definitions, KMS key metadata, full secret ARNs and the rule's current results, with every call recorded.
 */
import { snapshotFromDescription } from '../../lib/facts/authorization-details';
import { AwsCallError } from '../../lib/core/errors';
import type { LayerRead, ResourcePolicyReader } from '../../lib/facts/layer-ports';
import type { RawPolicyDocument, RoleSnapshot } from '../../lib/core/model';
import type {
  ConfigEvaluation,
  ConfigGateway,
  EventConfigurationItem,
  ExistingResult,
} from '../../lib/config/ports';
import type { IamReader, RoleDescription, UsageReader } from '../../lib/facts/ports';
import type { RuleDependencies } from '../../lib/config/runner';
import type { BatchJobDefinition, BucketEncryption, EcsTaskDefinition } from '../../lib/usage/types';
import { ACCOUNT, REGION } from '../builders';

export const RULE_NAME = 'execution-role-check';
export const CAPTURE_TIME = new Date('2026-11-28T09:15:42.113Z');
export const NOTIFICATION_TIME = new Date('2026-11-29T00:00:00.000Z');

/** Every port method, for failure injection and call assertions. */
export type PortCall =
  | 'iam.loadAllRoles'
  | 'iam.completeRole'
  | 'iam.findRole'
  | 'usage.listActiveJobDefinitions'
  | 'usage.listLatestTaskDefinitions'
  | 'usage.describeKeys'
  | 'usage.pullThroughCachePrefixes'
  | 'usage.bucketEncryption'
  | 'config.putEvaluations'
  | 'config.listResults'
  | 'config.getConfigurationItem';

/** One putEvaluations call as the runner made it. */
export interface PutCall {
  readonly evaluations: readonly ConfigEvaluation[];
  readonly resultToken: string;
  readonly testMode: boolean;
}

/** An account behind the three ports. Set its fields, then pass `deps()` to runRule. */
export class FakeAccount {
  roles: RoleSnapshot[] = [];
  jobDefinitions: BatchJobDefinition[] = [];
  taskDefinitions: EcsTaskDefinition[] = [];
  /** What describeKeys knows: secret/parameter ARN -> key ARN, or null for an AWS managed key. */
  readonly keys = new Map<string, string | null>();
  /** What DescribeSecret answers for a secret asked about by partial ARN: partial ARN -> full ARN. */
  readonly fullSecretArns = new Map<string, string>();
  /** What DescribePullThroughCacheRules answers: region -> ecrRepositoryPrefix of each rule. */
  readonly pullThroughCachePrefixes = new Map<string, string[]>();
  /** What GetBucketEncryption answers, by bucket ARN; a bucket it lacks is unreadable. */
  readonly bucketEncryptions = new Map<string, BucketEncryption>();
  /** The rule's current results (GetComplianceDetailsByConfigRule). */
  results: ExistingResult[] = [];
  /** GetResourceConfigHistory answers by resourceId (event shape). */
  readonly history = new Map<string, EventConfigurationItem>();
  /** Managed policy documents completeRole knows beyond those of `roles` (by ARN). */
  readonly policies = new Map<string, RawPolicyDocument>();
  /** Methods that throw this error instead of answering. */
  readonly failures = new Map<PortCall, Error>();
  /**
   * Resource policies by layer target key (`keyPolicy ARN`, `secretPolicy ARN`, ...). A key not listed has
   * AWS's default key policy (the account root delegated to IAM); anything else not listed has no policy.
   */
  readonly resourcePolicies = new Map<string, LayerRead>();
  /** Every layer read, in order (`keyPolicy ARN`, ...). */
  readonly layerReads: string[] = [];

  readonly calls: PortCall[] = [];
  readonly puts: PutCall[] = [];
  readonly describeKeyRequests: { secretArns: string[]; parameterArns: string[] }[] = [];
  readonly logs: string[] = [];

  /** Evaluations of every putEvaluations call, in order. */
  evaluationsPut(): ConfigEvaluation[] {
    return this.puts.flatMap((call) => call.evaluations);
  }

  private enter(call: PortCall): void {
    this.calls.push(call);
    const failure = this.failures.get(call);
    if (failure) throw failure;
  }

  readonly iam: IamReader = {
    loadAllRoles: async () => {
      this.enter('iam.loadAllRoles');
      return [...this.roles];
    },
    completeRole: async (description: RoleDescription, accountId: string) => {
      this.enter('iam.completeRole');
      const documents = new Map<string, { document: RawPolicyDocument }>();
      for (const role of this.roles) {
        for (const managed of role.managedPolicies) documents.set(managed.arn, managed);
        if (role.permissionsBoundary) documents.set(role.permissionsBoundary.arn, role.permissionsBoundary);
      }
      for (const [arn, document] of this.policies) documents.set(arn, { document });
      const { snapshot, missingPolicyArns } = snapshotFromDescription(description, documents, accountId);
      if (missingPolicyArns.length > 0) {
        throw new AwsCallError('GetPolicy', `NoSuchEntity: ${missingPolicyArns.join(', ')}`);
      }
      return snapshot;
    },
    findRole: async (idNameOrArn: string) => {
      this.enter('iam.findRole');
      return this.roles.find((role) => [role.roleId, role.roleName, role.arn].includes(idNameOrArn));
    },
  };

  readonly usage: UsageReader = {
    listActiveJobDefinitions: async () => {
      this.enter('usage.listActiveJobDefinitions');
      return this.jobDefinitions.filter((job) => job.status === undefined || job.status === 'ACTIVE');
    },
    listLatestTaskDefinitions: async () => {
      this.enter('usage.listLatestTaskDefinitions');
      return [...this.taskDefinitions];
    },
    describeKeys: async (refs) => {
      this.enter('usage.describeKeys');
      this.describeKeyRequests.push({
        secretArns: [...refs.secretArns].sort(),
        parameterArns: [...refs.parameterArns].sort(),
      });
      const keys = new Map<string, string | null>();
      for (const arn of [...refs.secretArns, ...refs.parameterArns]) {
        if (this.keys.has(arn)) keys.set(arn, this.keys.get(arn) ?? null);
      }
      const resolvedArns = new Map<string, string>();
      for (const arn of refs.secretArns) {
        const full = this.fullSecretArns.get(arn);
        if (full !== undefined) resolvedArns.set(arn, full);
      }
      return { keys, resolvedArns };
    },
    pullThroughCachePrefixes: async (region) => {
      this.enter('usage.pullThroughCachePrefixes');
      return [...(this.pullThroughCachePrefixes.get(region) ?? [])];
    },
    bucketEncryption: async (bucketArn) => {
      this.enter('usage.bucketEncryption');
      return (
        this.bucketEncryptions.get(bucketArn) ?? { status: 'unreadable', detail: 'not in the fake account' }
      );
    },
  };

  readonly config: ConfigGateway = {
    putEvaluations: async (evaluations, resultToken, testMode) => {
      this.enter('config.putEvaluations');
      this.puts.push({ evaluations: [...evaluations], resultToken, testMode });
    },
    listResults: async (configRuleName) => {
      this.enter('config.listResults');
      if (configRuleName !== RULE_NAME) throw new AwsCallError('GetComplianceDetailsByConfigRule', 'no rule');
      return [...this.results];
    },
    getConfigurationItem: async (_resourceType, resourceId) => {
      this.enter('config.getConfigurationItem');
      return this.history.get(resourceId);
    },
  };

  private layer(key: string, fallback: () => LayerRead): Promise<LayerRead> {
    this.layerReads.push(key);
    return Promise.resolve(this.resourcePolicies.get(key) ?? fallback());
  }

  readonly resources: ResourcePolicyReader = {
    keyPolicy: (arn) =>
      this.layer(`keyPolicy ${arn}`, () => ({
        status: 'read',
        policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'Enable IAM User Permissions',
              Effect: 'Allow',
              Principal: { AWS: `arn:aws:iam::${arn.split(':')[4] ?? ''}:root` },
              Action: 'kms:*',
              Resource: '*',
            },
          ],
        }),
      })),
    secretPolicy: (arn) => this.layer(`secretPolicy ${arn}`, () => ({ status: 'read', policy: null })),
    repositoryPolicy: (arn) =>
      this.layer(`repositoryPolicy ${arn}`, () => ({ status: 'read', policy: null })),
    registryPolicy: (account, region) =>
      this.layer(`registryPolicy ${account} ${region}`, () => ({ status: 'read', policy: null })),
    bucketPolicy: (arn) => this.layer(`bucketPolicy ${arn}`, () => ({ status: 'read', policy: null })),
  };

  /** Dependencies for runRule; `remainingTimeMs` and others may be overridden. */
  deps(overrides: Partial<RuleDependencies> = {}): RuleDependencies {
    return {
      iam: this.iam,
      usage: this.usage,
      config: this.config,
      layers: () => ({ resources: this.resources }),
      region: REGION,
      log: (message) => this.logs.push(message),
      ...overrides,
    };
  }
}

/** Item statuses AWS Config sends. */
export type ItemStatus =
  'OK' | 'ResourceDiscovered' | 'ResourceNotRecorded' | 'ResourceDeleted' | 'ResourceDeletedNotRecorded';

/** Event-level settings shared by every builder. */
export interface EventOptions {
  readonly ruleParameters?: Readonly<Record<string, string>> | string;
  readonly resultToken?: string;
  readonly eventLeftScope?: boolean;
}

/** Item-level settings. */
export interface ItemOptions extends EventOptions {
  readonly status?: ItemStatus;
  readonly captureTime?: Date;
  readonly resourceType?: string;
}

const urlEncoded = (document: unknown): string => encodeURIComponent(JSON.stringify(document));
const isLive = (status: ItemStatus): boolean => status === 'OK' || status === 'ResourceDiscovered';

/** `configuration` of the role's AWS::IAM::Role item, policy documents URL-encoded as Config records them. */
export function roleConfiguration(role: RoleSnapshot): Record<string, unknown> {
  return {
    path: role.path,
    roleName: role.roleName,
    roleId: role.roleId,
    arn: role.arn,
    createDate: '2026-01-15T10:00:00.000Z',
    assumeRolePolicyDocument: urlEncoded(role.trustPolicy),
    instanceProfileList: [],
    rolePolicyList: role.inlinePolicies.map((inline) => ({
      policyName: inline.name,
      policyDocument: urlEncoded(inline.document),
    })),
    attachedManagedPolicies: role.managedPolicies.map((managed) => ({
      policyArn: managed.arn,
      policyName: managed.name,
    })),
    permissionsBoundary: role.permissionsBoundary
      ? {
          permissionsBoundaryArn: role.permissionsBoundary.arn,
          permissionsBoundaryType: 'PermissionsBoundaryPolicy',
        }
      : null,
    tags: Object.entries(role.tags).map(([key, value]) => ({ key, value })),
    roleLastUsed: null,
  };
}

/** The role's configuration item in the event shape; `configuration` is null once the role is gone. */
export function configurationItem(role: RoleSnapshot, options: ItemOptions = {}): Record<string, unknown> {
  const status = options.status ?? 'OK';
  const captured = (options.captureTime ?? CAPTURE_TIME).toISOString();
  return {
    relatedEvents: [],
    relationships: [],
    configuration: isLive(status) ? roleConfiguration(role) : null,
    supplementaryConfiguration: {},
    tags: role.tags,
    configurationItemVersion: '1.3',
    configurationItemCaptureTime: captured,
    configurationStateId: Date.parse(captured),
    awsAccountId: role.accountId,
    configurationItemStatus: status,
    resourceType: options.resourceType ?? 'AWS::IAM::Role',
    resourceId: role.roleId,
    resourceName: role.roleName,
    ARN: role.arn,
    awsRegion: 'global',
    availabilityZone: 'Not Applicable',
    configurationStateMd5Hash: '',
    resourceCreationTime: '2026-01-15T10:00:00.000Z',
  };
}

/** A Config rule Lambda event around `invoking` (serialised, as AWS sends it). */
export function ruleEvent(
  invoking: Record<string, unknown>,
  options: EventOptions = {},
): Record<string, unknown> {
  const parameters = options.ruleParameters ?? {};
  return {
    version: '1.0',
    invokingEvent: JSON.stringify(invoking),
    ruleParameters: typeof parameters === 'string' ? parameters : JSON.stringify(parameters),
    resultToken: options.resultToken ?? 'token-abc',
    eventLeftScope: options.eventLeftScope ?? false,
    executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig`,
    configRuleArn: `arn:aws:config:${REGION}:${ACCOUNT}:config-rule/config-rule-abc123`,
    configRuleName: RULE_NAME,
    configRuleId: 'config-rule-abc123',
    accountId: ACCOUNT,
    evaluationMode: 'DETECTIVE',
  };
}

/** A ConfigurationItemChangeNotification for the role. */
export function changeEvent(role: RoleSnapshot, options: ItemOptions = {}): Record<string, unknown> {
  return ruleEvent(
    {
      configurationItemDiff: { changedProperties: {}, changeType: 'UPDATE' },
      configurationItem: configurationItem(role, options),
      notificationCreationTime: NOTIFICATION_TIME.toISOString(),
      messageType: 'ConfigurationItemChangeNotification',
      recordVersion: '1.3',
    },
    options,
  );
}

/** An OversizedConfigurationItemChangeNotification: only the item's summary is in the event. */
export function oversizedEvent(role: RoleSnapshot, options: ItemOptions = {}): Record<string, unknown> {
  const {
    configuration: _configuration,
    relatedEvents: _r,
    relationships: _s,
    ...summary
  } = configurationItem(role, options);
  return ruleEvent(
    {
      configurationItemSummary: { changeType: 'UPDATE', ...summary },
      s3DeliverySummary: { s3BucketLocation: 'bucket/key.json.gz', errorCode: null, errorMessage: null },
      notificationCreationTime: NOTIFICATION_TIME.toISOString(),
      messageType: 'OversizedConfigurationItemChangeNotification',
      recordVersion: '1.0',
    },
    options,
  );
}

/** A ScheduledNotification (periodic sweep). */
export function scheduledEvent(
  options: EventOptions & { readonly time?: Date } = {},
): Record<string, unknown> {
  return ruleEvent(
    {
      awsAccountId: ACCOUNT,
      notificationCreationTime: (options.time ?? NOTIFICATION_TIME).toISOString(),
      messageType: 'ScheduledNotification',
      recordVersion: '1.0',
    },
    options,
  );
}
