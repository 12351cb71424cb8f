/**
 * The facts the engine reads, taken from a template: roles in the shape of `aws iam
 * get-account-authorization-details` descriptions, job and task definitions in the camelCase shape of
 * `aws batch describe-job-definitions` / `aws ecs describe-task-definition`, and the secrets and KMS keys
 * declared beside them. Values the template does not determine stay `Unknown` for an adapter to fail closed on.
 */
import type { ManagedPolicyDocument, RoleDescription } from '../facts/ports';
import type {
  BatchJobDefinition,
  ContainerLike,
  EcsTaskDefinition,
  EcsVolume,
  KeyValueSecret,
} from '../usage/types';
import type { ParsedTemplate } from './parse';
import { isResolvedObject, TemplateResolver, type Resolved, type ResolveOptions } from './resolve';
import { isUnknown, Unknown, unknownsIn, type MaybeUnknown, type UnknownAt } from './unknown';

/** Where a resource is written: the file and the 1-based line of its logical id. */
export interface TemplateLocation {
  readonly file: string;
  readonly line?: number;
}

interface FromTemplate {
  readonly logicalId: string;
  readonly location: TemplateLocation;
}

/** An `AWS::IAM::Role` with every policy the template attaches to it. */
export interface TemplateRole extends FromTemplate {
  /** `RoleName`, or the logical id when it has none (CloudFormation would generate one). */
  readonly roleName: string;
  /**
   * The role as authorization details describe it. `roleId` is a placeholder (IAM assigns it); the ARN is
   * built from the pseudo parameters and is unknown when `RoleName` is.
   */
  readonly description: MaybeUnknown<RoleDescription>;
  /** Every unknown in the description, with its path: each must make the verdict fail closed. */
  readonly unknowns: readonly UnknownAt[];
}

/** A customer managed policy declared in the template (`AWS::IAM::ManagedPolicy`). */
export interface TemplateManagedPolicy extends FromTemplate {
  readonly policy: MaybeUnknown<ManagedPolicyDocument>;
}

/** An `AWS::Batch::JobDefinition` in the shape `aws batch describe-job-definitions` prints. */
export interface TemplateJobDefinition extends FromTemplate {
  readonly definition: MaybeUnknown<BatchJobDefinition>;
  /** Logical ids of the template's roles this definition names as execution role. */
  readonly executionRoleLogicalIds: readonly string[];
  /**
   * Every unknown in the definition. lib/usage reads strings only (an Unknown there throws rather than
   * match), so an adapter must turn each into a finding naming its reason before handing the definition on.
   */
  readonly unknowns: readonly UnknownAt[];
}

/** An `AWS::ECS::TaskDefinition` in the shape `aws ecs describe-task-definition` prints. */
export interface TemplateTaskDefinition extends FromTemplate {
  readonly definition: MaybeUnknown<EcsTaskDefinition>;
  readonly executionRoleLogicalIds: readonly string[];
  /** As for job definitions. */
  readonly unknowns: readonly UnknownAt[];
}

/** An `AWS::SecretsManager::Secret`: the ARN consumers name, and the KMS key protecting it. */
export interface TemplateSecret extends FromTemplate {
  /** `Name`, or the logical id standing for the generated name: job definitions may name the secret by it. */
  readonly name: string | Unknown;
  readonly arn: string | Unknown;
  /** As written (key id, key ARN, alias); null when absent: the AWS managed key `aws/secretsmanager`. */
  readonly kmsKeyId: string | Unknown | null;
  /** The template's `AWS::KMS::Key` that `kmsKeyId` names, when it names one. */
  readonly kmsKeyLogicalId?: string;
}

/**
 * An `AWS::SecretsManager::ResourcePolicy`: the secret it is attached to and its document
 * (`BlockPublicPolicy` only governs whether the call is accepted, not what the policy allows).
 */
export interface TemplateSecretPolicy extends FromTemplate {
  /**
   * The secret's ARN: `SecretId` as written when it is an ARN, the declared secret's ARN when it names one,
   * else the partial ARN of the name (how layer targets name a secret given without its suffix).
   */
  readonly secretArn: string | Unknown;
  readonly policy: Resolved;
}

/** An `AWS::ECR::RegistryPolicy`: the private registry policy of the stack's account and region. */
export interface TemplateRegistryPolicy extends FromTemplate {
  readonly policy: Resolved;
}

/**
 * An `AWS::ECR::Repository` and its `RepositoryPolicyText` (the repository policy layer of its ARN; null:
 * none). The ARN is known when `RepositoryName` is; CloudFormation names an unnamed one itself.
 */
export interface TemplateRepository extends FromTemplate {
  readonly arn: string | Unknown;
  readonly policy: Resolved;
}

/** An `AWS::S3::Bucket`: its ARN (known when `BucketName` is), whose bucket policy layer the template decides. */
export interface TemplateBucket extends FromTemplate {
  readonly arn: string | Unknown;
}

/** An `AWS::S3::BucketPolicy`: the bucket it is attached to (`Bucket`, a bucket name) and its `PolicyDocument`. */
export interface TemplateBucketPolicy extends FromTemplate {
  /** `arn:PARTITION:s3:::BUCKET` of `Bucket`. */
  readonly bucketArn: string | Unknown;
  readonly policy: Resolved;
}

/** An `AWS::KMS::Key` and its key policy (the key policy layer of its ARN). */
export interface TemplateKey extends FromTemplate {
  /** A placeholder shaped like a key id (KMS assigns the real one); unknown when the key may not be created. */
  readonly keyId: string | Unknown;
  readonly arn: string | Unknown;
  readonly keyPolicy: Resolved;
  /** `AliasName`s of the template's `AWS::KMS::Alias` resources that target it. */
  readonly aliases: readonly string[];
}

/** Everything one template tells the engine. */
export interface TemplateFacts {
  readonly file: string;
  /** Partition, region and account the ARNs were built in (placeholders unless given). */
  readonly environment: { readonly partition: string; readonly region: string; readonly accountId: string };
  /** Pseudo parameters that took a placeholder, e.g. `AWS::AccountId`. */
  readonly placeholders: readonly string[];
  readonly roles: readonly TemplateRole[];
  /** The template's managed policies, by ARN (when known): the documents their attachments need. */
  readonly managedPolicies: readonly TemplateManagedPolicy[];
  readonly jobDefinitions: readonly TemplateJobDefinition[];
  readonly taskDefinitions: readonly TemplateTaskDefinition[];
  readonly secrets: readonly TemplateSecret[];
  readonly keys: readonly TemplateKey[];
  readonly secretPolicies: readonly TemplateSecretPolicy[];
  readonly registryPolicies: readonly TemplateRegistryPolicy[];
  readonly repositories: readonly TemplateRepository[];
  readonly buckets: readonly TemplateBucket[];
  readonly bucketPolicies: readonly TemplateBucketPolicy[];
  /** What was not read, for the report: e.g. SAM resources left untransformed. */
  readonly notes: readonly string[];
}

interface Declared {
  readonly logicalId: string;
  readonly type: string;
  readonly properties: Readonly<Record<string, unknown>>;
  /** False when its Condition is false; unknown when the condition cannot be decided. */
  readonly created: boolean | Unknown;
}

/** Reads the facts of one parsed template. Pure: no file or network access. */
export function extractTemplateFacts(template: ParsedTemplate, options: ResolveOptions = {}): TemplateFacts {
  const resolver = new TemplateResolver(template, options);
  const declared = declaredResources(template, resolver);
  const ofType = (type: string) =>
    declared.filter((resource) => resource.type === type && resource.created !== false);
  const locate = (logicalId: string): TemplateLocation => {
    const line = template.lines.get(logicalId);
    return line === undefined ? { file: template.file } : { file: template.file, line };
  };
  const resolved = (resource: Declared, property: string): Resolved | undefined => {
    if (!Object.hasOwn(resource.properties, property)) return undefined;
    const value = resolver.resolve(resource.properties[property]);
    // A resource that may not exist cannot prove anything: its content is unknown.
    return isUnknown(resource.created)
      ? new Unknown(`${resource.logicalId} may not be created (${resource.created.reason})`)
      : value;
  };

  const roleResources = ofType('AWS::IAM::Role');
  const roles = roleResources.map((resource) => startRole(resource, resolver, resolved));
  const targetsOf = (resource: Declared, property: string): RoleBuilder[] | Unknown =>
    rolesNamed(resource, property, resolved, roles, resolver);

  const managedPolicies: TemplateManagedPolicy[] = [];
  for (const resource of ofType('AWS::IAM::ManagedPolicy')) {
    const arn = resolver.ref(resource.logicalId);
    const document = resolved(resource, 'PolicyDocument') ?? null;
    const name = textField(resolved(resource, 'ManagedPolicyName')) ?? resource.logicalId;
    managedPolicies.push({
      logicalId: resource.logicalId,
      location: locate(resource.logicalId),
      policy: { arn: asText(arn), name, defaultVersionId: 'v1', document },
    });
    const targets = targetsOf(resource, 'Roles');
    if (isUnknown(targets)) addToAll(roles, `managed policy ${resource.logicalId}`, targets);
    else for (const role of targets) role.attach(asText(arn));
  }
  for (const resource of ofType('AWS::IAM::Policy')) {
    const name = asText(resolved(resource, 'PolicyName') ?? resource.logicalId);
    const document = resolved(resource, 'PolicyDocument') ?? null;
    const targets = targetsOf(resource, 'Roles');
    if (isUnknown(targets)) addToAll(roles, `policy ${resource.logicalId}`, targets);
    else for (const role of targets) role.inline.push({ name, document });
  }
  for (const resource of ofType('AWS::IAM::RolePolicy')) {
    const name = asText(resolved(resource, 'PolicyName') ?? resource.logicalId);
    const document = resolved(resource, 'PolicyDocument') ?? null;
    const targets = targetsOf(resource, 'RoleName');
    if (isUnknown(targets)) addToAll(roles, `role policy ${resource.logicalId}`, targets);
    else for (const role of targets) role.inline.push({ name, document });
  }

  const roleOfArn = roleIndex(roles);
  const jobDefinitions = ofType('AWS::Batch::JobDefinition').map((resource): TemplateJobDefinition => {
    const definition = jobDefinitionOf(resource, resolved);
    return {
      logicalId: resource.logicalId,
      location: locate(resource.logicalId),
      definition,
      executionRoleLogicalIds: linkedRoles(executionRolesOfJob(definition), roleOfArn),
      unknowns: unknownsIn(definition),
    };
  });
  const taskDefinitions = ofType('AWS::ECS::TaskDefinition').map((resource): TemplateTaskDefinition => {
    const definition = taskDefinitionOf(resource, resolved);
    return {
      logicalId: resource.logicalId,
      location: locate(resource.logicalId),
      definition,
      executionRoleLogicalIds: linkedRoles([definition.executionRoleArn], roleOfArn),
      unknowns: unknownsIn(definition),
    };
  });

  const aliases = ofType('AWS::KMS::Alias').map((resource) => ({
    name: resolved(resource, 'AliasName'),
    target: resolved(resource, 'TargetKeyId'),
  }));
  const keys = ofType('AWS::KMS::Key').map((resource): TemplateKey => {
    const keyId = asText(resolver.ref(resource.logicalId));
    const arn = asText(resolver.getAtt(resource.logicalId, 'Arn'));
    return {
      logicalId: resource.logicalId,
      location: locate(resource.logicalId),
      keyId,
      arn,
      keyPolicy: resolved(resource, 'KeyPolicy') ?? null,
      aliases: aliases
        .filter(
          (alias) => typeof alias.target === 'string' && (alias.target === keyId || alias.target === arn),
        )
        .flatMap((alias) => (typeof alias.name === 'string' ? [alias.name] : [])),
    };
  });
  const secrets = ofType('AWS::SecretsManager::Secret').map((resource): TemplateSecret => {
    const written = resolved(resource, 'KmsKeyId');
    const kmsKeyId = written === undefined || written === null ? null : asText(written);
    const key =
      typeof kmsKeyId === 'string'
        ? keys.find((candidate) => [candidate.keyId, candidate.arn, ...candidate.aliases].includes(kmsKeyId))
        : undefined;
    return {
      logicalId: resource.logicalId,
      location: locate(resource.logicalId),
      name: asText(resolved(resource, 'Name') ?? resource.logicalId),
      arn: asText(resolver.ref(resource.logicalId)),
      kmsKeyId,
      ...(key !== undefined && { kmsKeyLogicalId: key.logicalId }),
    };
  });

  const secretPolicies = ofType('AWS::SecretsManager::ResourcePolicy').map(
    (resource): TemplateSecretPolicy => ({
      logicalId: resource.logicalId,
      location: locate(resource.logicalId),
      secretArn: secretArnOf(resolved(resource, 'SecretId') ?? null, secrets, resolver.env),
      policy: resolved(resource, 'ResourcePolicy') ?? null,
    }),
  );
  const registryPolicies = ofType('AWS::ECR::RegistryPolicy').map((resource): TemplateRegistryPolicy => ({
    logicalId: resource.logicalId,
    location: locate(resource.logicalId),
    policy: resolved(resource, 'PolicyText') ?? null,
  }));
  const repositories = ofType('AWS::ECR::Repository').map((resource): TemplateRepository => {
    const name = resolved(resource, 'RepositoryName');
    const { partition, region, accountId } = resolver.env;
    return {
      logicalId: resource.logicalId,
      location: locate(resource.logicalId),
      arn:
        typeof name === 'string'
          ? `arn:${partition}:ecr:${region}:${accountId}:repository/${name}`
          : isUnknown(name)
            ? name
            : new Unknown(`${resource.logicalId} has no RepositoryName: CloudFormation names it`),
      policy: resolved(resource, 'RepositoryPolicyText') ?? null,
    };
  });
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-s3-bucketpolicy.html
  const buckets = ofType('AWS::S3::Bucket').map((resource): TemplateBucket => ({
    logicalId: resource.logicalId,
    location: locate(resource.logicalId),
    arn: asText(resolver.getAtt(resource.logicalId, 'Arn')),
  }));
  const bucketPolicies = ofType('AWS::S3::BucketPolicy').map((resource): TemplateBucketPolicy => {
    const bucket = asText(resolved(resource, 'Bucket') ?? null);
    return {
      logicalId: resource.logicalId,
      location: locate(resource.logicalId),
      bucketArn: typeof bucket === 'string' ? `arn:${resolver.env.partition}:s3:::${bucket}` : bucket,
      policy: resolved(resource, 'PolicyDocument') ?? null,
    };
  });

  const notes: string[] = [];
  const serverless = declared.filter((resource) => resource.type.startsWith('AWS::Serverless::'));
  if (serverless.length > 0) {
    notes.push(
      `${serverless.length} SAM resource(s) (${serverless.map((resource) => resource.logicalId).join(', ')}) ` +
        'are not transformed: roles SAM would create for them are not read',
    );
  }
  const nested = declared.filter((resource) =>
    ['AWS::CloudFormation::Stack', 'AWS::Serverless::Application'].includes(resource.type),
  );
  if (nested.length > 0) {
    notes.push(`nested stacks are not read: ${nested.map((resource) => resource.logicalId).join(', ')}`);
  }
  // Fn::ForEach (the AWS::LanguageExtensions transform) writes a loop where a logical id would be.
  const loops = Object.keys(template.resources).filter((key) => key.startsWith('Fn::ForEach::'));
  if (loops.length > 0) notes.push(`Fn::ForEach loops are not expanded: ${loops.join(', ')}`);
  const skipped = declared.filter((resource) => resource.created === false);
  if (skipped.length > 0) {
    notes.push(`not created (Condition false): ${skipped.map((resource) => resource.logicalId).join(', ')}`);
  }

  return {
    file: template.file,
    environment: {
      partition: resolver.env.partition,
      region: resolver.env.region,
      accountId: resolver.env.accountId,
    },
    placeholders: [...resolver.placeholdersUsed].sort(),
    roles: roles.map((role) => role.build(locate(role.logicalId))),
    managedPolicies,
    jobDefinitions,
    taskDefinitions,
    secrets,
    keys,
    secretPolicies,
    registryPolicies,
    repositories,
    buckets,
    bucketPolicies,
    notes,
  };
}

/**
 * The secret a `SecretId` (ARN or name, CloudFormation accepts either) names: a declared secret by its ARN
 * or name, another by its ARN, or by the partial ARN of its name.
 */
function secretArnOf(
  secretId: Resolved,
  secrets: readonly TemplateSecret[],
  env: { readonly partition: string; readonly region: string; readonly accountId: string },
): string | Unknown {
  const id = asText(secretId);
  if (isUnknown(id)) return id;
  const declared = secrets.find((secret) => secret.arn === id || secret.name === id);
  if (declared !== undefined) return declared.arn;
  if (id.startsWith('arn:')) return id;
  return `arn:${env.partition}:secretsmanager:${env.region}:${env.accountId}:secret:${id}`;
}

function declaredResources(template: ParsedTemplate, resolver: TemplateResolver): Declared[] {
  return Object.entries(template.resources).flatMap(([logicalId, value]): Declared[] => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
    const resource = value as Record<string, unknown>;
    const properties = resource['Properties'];
    return [
      {
        logicalId,
        type: typeof resource['Type'] === 'string' ? resource['Type'] : '',
        properties:
          typeof properties === 'object' && properties !== null && !Array.isArray(properties)
            ? (properties as Record<string, unknown>)
            : {},
        created: resolver.isCreated(logicalId),
      },
    ];
  });
}

type ResolvedProperty = (resource: Declared, property: string) => Resolved | undefined;

/** A role being assembled: its own properties first, then the policies other resources attach. */
class RoleBuilder {
  readonly inline: { name: string | Unknown; document: Resolved }[] = [];
  readonly managed: (string | Unknown)[] = [];
  readonly extraUnknowns: UnknownAt[] = [];

  constructor(
    readonly logicalId: string,
    readonly roleName: string,
    readonly names: readonly (string | Unknown)[],
    private readonly base: Omit<
      MaybeUnknown<RoleDescription>,
      'inlinePolicies' | 'attachedManagedPolicyArns' | 'roleName'
    >,
  ) {}

  attach(arn: string | Unknown): void {
    if (isUnknown(arn) || !this.managed.includes(arn)) this.managed.push(arn);
  }

  build(location: TemplateLocation): TemplateRole {
    const description: MaybeUnknown<RoleDescription> = {
      ...this.base,
      roleName: this.roleName,
      inlinePolicies: this.inline,
      attachedManagedPolicyArns: this.managed,
    };
    return {
      logicalId: this.logicalId,
      roleName: this.roleName,
      location,
      description,
      unknowns: [...unknownsIn(description), ...this.extraUnknowns],
    };
  }
}

function startRole(resource: Declared, resolver: TemplateResolver, resolved: ResolvedProperty): RoleBuilder {
  const name = resolver.ref(resource.logicalId);
  const roleName = typeof name === 'string' ? name : resource.logicalId;
  const path = resolved(resource, 'Path');
  const boundary = resolved(resource, 'PermissionsBoundary');
  const builder = new RoleBuilder(resource.logicalId, roleName, [asText(name)], {
    roleId: `TEMPLATE-${resource.logicalId}`,
    arn: asText(resolver.getAtt(resource.logicalId, 'Arn')),
    path: path === undefined ? '/' : asText(path),
    trustPolicy: resolved(resource, 'AssumeRolePolicyDocument') ?? null,
    ...(boundary !== undefined && boundary !== null && { permissionsBoundaryArn: asText(boundary) }),
    tags: tagsOf(resolved(resource, 'Tags')),
  });
  const policies = resolved(resource, 'Policies');
  if (isUnknown(policies)) builder.inline.push({ name: policies, document: policies });
  else if (Array.isArray(policies)) {
    for (const entry of policies as readonly Resolved[]) {
      if (isResolvedObject(entry)) {
        builder.inline.push({
          name: asText(entry['PolicyName'] ?? null),
          document: entry['PolicyDocument'] ?? null,
        });
      } else {
        const reason = isUnknown(entry)
          ? entry
          : new Unknown(`${resource.logicalId}.Policies: expected a policy`);
        builder.inline.push({ name: reason, document: reason });
      }
    }
  }
  const managed = resolved(resource, 'ManagedPolicyArns');
  if (isUnknown(managed)) builder.attach(managed);
  else if (Array.isArray(managed))
    for (const arn of managed as readonly Resolved[]) builder.attach(asText(arn));
  return builder;
}

/**
 * The template roles a policy's `Roles` (or `RoleName`) names: by `Ref` to a role resource, or by a name
 * that resolves to a role's name. Unknown when an entry cannot be resolved: it may name any role.
 */
function rolesNamed(
  resource: Declared,
  property: string,
  resolved: ResolvedProperty,
  roles: readonly RoleBuilder[],
  resolver: TemplateResolver,
): RoleBuilder[] | Unknown {
  const value = resolved(resource, property);
  if (value === undefined || value === null) return [];
  if (isUnknown(value)) return value;
  const names = Array.isArray(value) ? (value as readonly Resolved[]) : [value];
  const targets: RoleBuilder[] = [];
  for (const name of names) {
    if (isUnknown(name)) return name;
    // A role outside the template is not judged here.
    targets.push(
      ...roles.filter(
        (role) => role.names.includes(name as string) && resolver.isCreated(role.logicalId) !== false,
      ),
    );
  }
  return targets;
}

function addToAll(roles: readonly RoleBuilder[], what: string, unknown: Unknown): void {
  for (const role of roles) {
    role.extraUnknowns.push({
      path: `(${what})`,
      reason: `${what} is attached to roles the template does not determine: ${unknown.reason}`,
    });
  }
}

/** Role ARNs, with the path dropped as the usage index keys them, and names -> logical id. */
function roleIndex(roles: readonly RoleBuilder[]): (reference: string) => string | undefined {
  const index = new Map<string, string>();
  for (const role of roles) {
    for (const name of role.names) if (typeof name === 'string') index.set(name, role.logicalId);
    const arn = role.build({ file: '' }).description.arn;
    if (typeof arn === 'string') {
      index.set(arn, role.logicalId);
      index.set(withoutPath(arn), role.logicalId);
    }
  }
  return (reference) => index.get(reference) ?? index.get(withoutPath(reference));
}

function withoutPath(arn: string): string {
  const match = /^(arn:[^:]+:iam::[^:]*:role\/)(?:.*\/)?([^/]+)$/.exec(arn);
  return match ? `${match[1]}${match[2]}` : arn;
}

function linkedRoles(
  references: readonly (string | Unknown | undefined)[],
  roleOf: (reference: string) => string | undefined,
): string[] {
  const ids = new Set<string>();
  for (const reference of references) {
    if (typeof reference !== 'string') continue;
    const id = roleOf(reference);
    if (id !== undefined) ids.add(id);
  }
  return [...ids];
}

function executionRolesOfJob(job: MaybeUnknown<BatchJobDefinition>): (string | Unknown | undefined)[] {
  const fromEcs = (ecs: MaybeUnknown<BatchJobDefinition>['ecsProperties']) =>
    (ecs?.taskProperties ?? []).map((task) => task.executionRoleArn);
  return [
    job.containerProperties?.executionRoleArn,
    ...fromEcs(job.ecsProperties),
    ...(job.nodeProperties?.nodeRangeProperties ?? []).flatMap((range) => [
      range.container?.executionRoleArn,
      ...fromEcs(range.ecsProperties),
    ]),
  ];
}

/**
 * `AWS::Batch::JobDefinition` properties (PascalCase) as the API's camelCase job definition. CloudFormation
 * creates revision 1 of a new definition; the name is the logical id when `JobDefinitionName` is absent.
 */
function jobDefinitionOf(resource: Declared, resolved: ResolvedProperty): MaybeUnknown<BatchJobDefinition> {
  const name = resolved(resource, 'JobDefinitionName');
  const type = resolved(resource, 'Type');
  const container = resolved(resource, 'ContainerProperties');
  const ecs = resolved(resource, 'EcsProperties');
  const nodes = resolved(resource, 'NodeProperties');
  const platforms = resolved(resource, 'PlatformCapabilities');
  return {
    jobDefinitionName: name === undefined ? resource.logicalId : asText(name),
    revision: 1,
    status: 'ACTIVE',
    ...(type !== undefined && { type: asText(type) }),
    // Whether it runs on Fargate (GuardDuty's sidecar); absent, Batch takes EC2.
    ...(platforms !== undefined && { platformCapabilities: listAt(platforms).map(asText) }),
    ...(container !== undefined && { containerProperties: containerOf(container, true) }),
    ...(ecs !== undefined && { ecsProperties: ecsPropertiesOf(ecs) }),
    ...(nodes !== undefined && {
      nodeProperties: {
        nodeRangeProperties: listAt(isResolvedObject(nodes) ? nodes['NodeRangeProperties'] : nodes).map(
          (range) => {
            const object = isResolvedObject(range) ? range : {};
            return {
              ...(object['TargetNodes'] !== undefined && { targetNodes: asText(object['TargetNodes']) }),
              ...(object['Container'] !== undefined && { container: containerOf(object['Container'], true) }),
              ...(object['EcsProperties'] !== undefined && {
                ecsProperties: ecsPropertiesOf(object['EcsProperties']),
              }),
            };
          },
        ),
      },
    }),
  };
}

/** `AWS::ECS::TaskDefinition` as the API's task definition; CloudFormation registers revision 1 of a new family. */
function taskDefinitionOf(resource: Declared, resolved: ResolvedProperty): MaybeUnknown<EcsTaskDefinition> {
  const family = resolved(resource, 'Family');
  const role = resolved(resource, 'ExecutionRoleArn');
  const volumes = resolved(resource, 'Volumes');
  const compatibilities = resolved(resource, 'RequiresCompatibilities');
  return {
    family: family === undefined ? resource.logicalId : asText(family),
    revision: 1,
    status: 'ACTIVE',
    ...(role !== undefined && { executionRoleArn: asText(role) }),
    // Whether it can run on Fargate (GuardDuty's sidecar), as the API's `requiresCompatibilities`.
    ...(compatibilities !== undefined && { requiresCompatibilities: listAt(compatibilities).map(asText) }),
    containerDefinitions: listAt(resolved(resource, 'ContainerDefinitions')).map((container) => ({
      ...containerOf(container, false),
      ...ecsContainerFieldsOf(container),
    })),
    ...(volumes !== undefined && { volumes: listAt(volumes).map(volumeOf) }),
  };
}

/**
 * The fields only ECS containers have (environment files, FireLens, credential specs), PascalCase to
 * camelCase. FireLens option names are FireLens's own (`config-file-type`): kept as written.
 */
function ecsContainerFieldsOf(value: Resolved): MaybeUnknown<ContainerLike> {
  if (!isResolvedObject(value)) return {};
  const files = value['EnvironmentFiles'];
  const firelens = value['FirelensConfiguration'];
  const specs = value['CredentialSpecs'];
  const securityOptions = value['DockerSecurityOptions'];
  return {
    ...(files !== undefined && {
      environmentFiles: listAt(files).map((file) =>
        isResolvedObject(file)
          ? {
              ...(file['Type'] !== undefined && { type: asText(file['Type']) }),
              value: asText(file['Value'] ?? null),
            }
          : { value: asText(file) },
      ),
    }),
    ...(firelens !== undefined &&
      firelens !== null && {
        firelensConfiguration: isResolvedObject(firelens)
          ? {
              ...(firelens['Type'] !== undefined && { type: asText(firelens['Type']) }),
              ...(isResolvedObject(firelens['Options']) && {
                options: Object.fromEntries(
                  Object.entries(firelens['Options']).map(([key, option]) => [key, asText(option)]),
                ),
              }),
            }
          : // Not an object: whether it fetches a file at all is unknown, so it is one need.
            {
              options: {
                'config-file-type': isUnknown(firelens)
                  ? firelens
                  : new Unknown('FirelensConfiguration: expected an object'),
              },
            },
      }),
    ...(specs !== undefined && { credentialSpecs: listAt(specs).map(asText) }),
    ...(securityOptions !== undefined && { dockerSecurityOptions: listAt(securityOptions).map(asText) }),
  };
}

/** A task definition volume; only FSx for Windows File Server volumes matter to the execution role. */
function volumeOf(value: Resolved): MaybeUnknown<EcsVolume> {
  if (!isResolvedObject(value)) {
    const unknown = isUnknown(value) ? value : new Unknown('Volumes: expected an object');
    // An unknown volume may be an FSx one: keep its credentials unknown so the verdict fails closed.
    return {
      fsxWindowsFileServerVolumeConfiguration: { authorizationConfig: { credentialsParameter: unknown } },
    };
  }
  const name = value['Name'];
  const fsx = value['FSxWindowsFileServerVolumeConfiguration'];
  const object = isResolvedObject(fsx) ? fsx : {};
  const authorization = isResolvedObject(object['AuthorizationConfig']) ? object['AuthorizationConfig'] : {};
  return {
    ...(name !== undefined && { name: asText(name) }),
    ...(fsx !== undefined &&
      fsx !== null && {
        fsxWindowsFileServerVolumeConfiguration: {
          fileSystemId: asText(isUnknown(fsx) ? fsx : (object['FileSystemId'] ?? null)),
          authorizationConfig: {
            credentialsParameter: asText(
              isUnknown(fsx) ? fsx : (authorization['CredentialsParameter'] ?? null),
            ),
          },
        },
      }),
  };
}

function ecsPropertiesOf(value: Resolved): MaybeUnknown<BatchJobDefinition>['ecsProperties'] {
  const object = isResolvedObject(value) ? value : {};
  return {
    taskProperties: listAt(isUnknown(value) ? value : object['TaskProperties']).map((task) => {
      const properties = isResolvedObject(task) ? task : {};
      const role = isUnknown(task) ? task : properties['ExecutionRoleArn'];
      return {
        ...(role !== undefined && { executionRoleArn: asText(role) }),
        containers: listAt(isUnknown(task) ? task : properties['Containers']).map((container) =>
          containerOf(container, false),
        ),
      };
    }),
  };
}

/** A container's PascalCase properties as the camelCase fields the usage extraction reads. */
function containerOf(value: Resolved, withRole: boolean): MaybeUnknown<ContainerLike> {
  if (!isResolvedObject(value)) {
    // An unknown container may fetch any secret: keep one unknown reference so the verdict fails closed.
    const unknown = isUnknown(value) ? value : new Unknown('container: expected an object');
    return { secrets: [{ valueFrom: unknown }] };
  }
  const field = (name: string) => (value[name] === undefined ? undefined : asText(value[name]));
  const name = field('Name');
  const image = field('Image');
  const role = withRole ? field('ExecutionRoleArn') : undefined;
  const logs = value['LogConfiguration'];
  const credentials = value['RepositoryCredentials'];
  return {
    ...(name !== undefined && { name }),
    ...(image !== undefined && { image }),
    ...(role !== undefined && { executionRoleArn: role }),
    ...(value['Secrets'] !== undefined && { secrets: secretsOf(value['Secrets']) }),
    ...(logs !== undefined && logs !== null && { logConfiguration: logConfigurationOf(logs) }),
    ...(credentials !== undefined &&
      credentials !== null && {
        repositoryCredentials: {
          credentialsParameter: asText(
            isResolvedObject(credentials) ? (credentials['CredentialsParameter'] ?? null) : credentials,
          ),
        },
      }),
  };
}

function logConfigurationOf(value: Resolved): MaybeUnknown<NonNullable<ContainerLike['logConfiguration']>> {
  if (!isResolvedObject(value)) {
    const unknown = isUnknown(value) ? value : new Unknown('LogConfiguration: expected an object');
    return { logDriver: unknown, secretOptions: [{ valueFrom: unknown }] };
  }
  const options = value['Options'];
  return {
    ...(value['LogDriver'] !== undefined && { logDriver: asText(value['LogDriver']) }),
    // Option names (`awslogs-group`) are the log driver's own: kept as written.
    ...(options !== undefined && {
      options: isResolvedObject(options)
        ? Object.fromEntries(Object.entries(options).map(([key, option]) => [key, asText(option)]))
        : { 'awslogs-group': asText(options) },
    }),
    ...(value['SecretOptions'] !== undefined && { secretOptions: secretsOf(value['SecretOptions']) }),
  };
}

function secretsOf(value: Resolved): MaybeUnknown<KeyValueSecret>[] {
  return listAt(value).map((secret) => {
    if (!isResolvedObject(secret)) {
      return { valueFrom: isUnknown(secret) ? secret : new Unknown('Secrets: expected {Name, ValueFrom}') };
    }
    return {
      ...(secret['Name'] !== undefined && { name: asText(secret['Name']) }),
      valueFrom: asText(secret['ValueFrom'] ?? null),
    };
  });
}

function tagsOf(value: Resolved | undefined): Readonly<Record<string, string | Unknown>> {
  const tags: Record<string, string | Unknown> = {};
  for (const tag of listAt(value ?? [])) {
    if (!isResolvedObject(tag) || typeof tag['Key'] !== 'string') continue;
    Object.defineProperty(tags, tag['Key'], {
      value: asText(tag['Value'] ?? ''),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return tags;
}

/** A list; an unknown list becomes one unknown element, so what it stands for is not silently dropped. */
function listAt(value: Resolved | undefined): readonly Resolved[] {
  if (value === undefined || value === null) return [];
  if (isUnknown(value)) return [value];
  return Array.isArray(value) ? (value as readonly Resolved[]) : [value];
}

/** Text, or unknown naming what was found instead: a number is text (CloudFormation passes it as such). */
function asText(value: Resolved): string | Unknown {
  if (typeof value === 'string') return value;
  if (isUnknown(value)) return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return new Unknown(
    `expected text, got ${value === null ? 'nothing' : Array.isArray(value) ? 'a list' : 'an object'}`,
  );
}

function textField(value: Resolved | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
