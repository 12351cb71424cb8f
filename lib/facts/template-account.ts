/**
 * Templates as an account the reader ports can serve (lib/facts/saved-account.ts): the roles, job and task
 * definitions and secrets `extractTemplateFacts` reads, with every value the template does not determine
 * taken out of the facts and kept beside them, so that the audit judges templates through
 * lib/facts/gather.ts and lib/rule/assess-role.ts like any account, then fails each unknown closed by name.
 */
import type { Consumer, FindingId, RawPolicyDocument, RoleSnapshot } from '../core/model';
import type { Resolved, TemplateFacts, TemplateLocation, TemplateRole } from '../template';
import { isUnknown, unknownsIn, type UnknownAt } from '../template';
import type { BatchJobDefinition, EcsTaskDefinition, RuleLocation } from '../usage/types';
import { snapshotFromDescription } from './authorization-details';
import type { RoleDescription } from './ports';
import type { LayerRead } from './layer-ports';
import type { SavedAccount } from './saved-account';

/** A job or task definition of a template, as findings name it (`neededBy`) and where it is written. */
export interface TemplateConsumer {
  readonly consumer: Consumer;
  readonly logicalId: string;
  readonly location: TemplateLocation;
  /** Logical ids of the template roles it names as execution role. */
  readonly roleLogicalIds: readonly string[];
  /** What it needs that the template does not determine, each with the finding id it would be. */
  readonly unknownNeeds: readonly UnknownNeed[];
}

/** A need of a consumer that the template leaves unknown: the requirement it belongs to, and why. */
export interface UnknownNeed {
  readonly id: FindingId;
  /** Where in the definition (camelCase, as the API names it): `containerProperties.secrets[0].valueFrom`. */
  readonly path: string;
  /** The expression and why it is unknown: `Fn::ImportValue "shared-secret-arn": ...`. */
  readonly reason: string;
}

/** A template role, keyed by the ARN its snapshot carries. */
export interface TemplateRoleOrigin {
  readonly logicalId: string;
  readonly roleName: string;
  readonly location: TemplateLocation;
  /**
   * Unknowns per policy, by the name findings give it (`trust`, `inline:NAME`, `managed:NAME`,
   * `boundary:NAME`). `whole`: the policy entered the snapshot without a document, so it proves nothing;
   * otherwise only its Allow statements that hold an unknown were left out (an Allow left out can only
   * prove less; a Deny or an unknown Effect could forbid anything, so those take the whole document).
   */
  readonly policyUnknowns: ReadonlyMap<string, PolicyUnknowns>;
  /** Unknowns that do not sit in one policy (a policy attached to roles the template does not determine). */
  readonly otherUnknowns: readonly UnknownAt[];
  readonly consumers: readonly TemplateConsumer[];
}

/** What a policy of a template role holds that the template does not determine. */
export interface PolicyUnknowns {
  readonly whole: boolean;
  readonly unknowns: readonly UnknownAt[];
}

/** One or more templates as a saved account, with what they leave unknown. */
export interface TemplateAccount {
  readonly account: SavedAccount;
  readonly location: RuleLocation;
  readonly roles: ReadonlyMap<string, TemplateRoleOrigin>;
  /** ARNs of the secrets the templates declare: their KMS keys come from the template or stay unknown. */
  readonly declaredSecretArns: ReadonlySet<string>;
  /** Declared secrets whose `KmsKeyId` the template does not determine, with the expression's reason. */
  readonly unknownSecretKeys: ReadonlyMap<string, string>;
  /**
   * The key, secret and registry policies the templates declare, by layer target key
   * (lib/rule/layer-targets.ts): every declared key's KeyPolicy, every declared secret's
   * AWS::SecretsManager::ResourcePolicy (null: none), every named AWS::ECR::Repository's RepositoryPolicyText
   * (null: none), every AWS::ECR::RegistryPolicy. A layer absent here is
   * not the templates' to tell: unknown offline unless --resource-policies holds it.
   */
  readonly resourcePolicies: ReadonlyMap<string, LayerRead>;
  /** Where each of `resourcePolicies` comes from, as the note under the table names it. */
  readonly layerOrigins: ReadonlyMap<string, string>;
  /** What was not read (SAM resources, nested stacks) and definitions whose execution role is unknown. */
  readonly notes: readonly string[];
}

/**
 * Builds the account. `awsManagedDocuments` are the AWS managed policies known offline
 * (AmazonECSTaskExecutionRolePolicy); any other managed policy outside the templates has no document and
 * fails its role closed (POLICY_UNREADABLE). Throws when the templates were read in different environments.
 */
export function templateAccount(
  templates: readonly TemplateFacts[],
  awsManagedDocuments: ReadonlyMap<string, RawPolicyDocument>,
): TemplateAccount {
  const first = templates[0];
  if (first === undefined) throw new Error('templateAccount: no template');
  const location: RuleLocation = { ...first.environment };

  const documents = new Map<string, { readonly document: RawPolicyDocument }>();
  for (const [arn, document] of awsManagedDocuments) documents.set(arn, { document });
  // A template's managed policy with an unknown document is left out: its attachments then prove nothing.
  const unknownManaged = new Map<string, UnknownAt[]>();
  for (const facts of templates) {
    for (const managed of facts.managedPolicies) {
      const arn = managed.policy.arn;
      if (!isUnknown(arn)) {
        const unknowns = unknownsIn(managed.policy.document, 'PolicyDocument');
        if (unknowns.length === 0) documents.set(arn, { document: managed.policy.document });
        else unknownManaged.set(arn, unknowns);
      }
    }
  }

  const roles: RoleSnapshot[] = [];
  const origins = new Map<string, TemplateRoleOrigin>();
  const jobDefinitions: BatchJobDefinition[] = [];
  const taskDefinitions: EcsTaskDefinition[] = [];
  const keys = new Map<string, string | null>();
  const declaredSecretArns = new Set<string>();
  const unknownSecretKeys = new Map<string, string>();
  const notes: string[] = [];

  for (const facts of templates) {
    const consumers: TemplateConsumer[] = [];
    for (const job of facts.jobDefinitions) {
      const { value, needs } = withoutUnknowns(job.definition);
      const definition = value as BatchJobDefinition;
      const named = { ...definition, jobDefinitionName: textOr(definition.jobDefinitionName, job.logicalId) };
      jobDefinitions.push(named);
      consumers.push({
        consumer: { kind: 'batch-job-definition', name: `${named.jobDefinitionName}:${named.revision}` },
        logicalId: job.logicalId,
        location: job.location,
        roleLogicalIds: job.executionRoleLogicalIds,
        unknownNeeds: needs,
      });
      noteUnknownRole(notes, facts.file, job.logicalId, needs);
    }
    for (const task of facts.taskDefinitions) {
      const { value, needs } = withoutUnknowns(task.definition);
      const definition = value as EcsTaskDefinition;
      const named = { ...definition, family: textOr(definition.family, task.logicalId) };
      taskDefinitions.push(named);
      consumers.push({
        consumer: { kind: 'ecs-task-definition', name: `${named.family}:${named.revision}` },
        logicalId: task.logicalId,
        location: task.location,
        roleLogicalIds: task.executionRoleLogicalIds,
        unknownNeeds: needs,
      });
      noteUnknownRole(notes, facts.file, task.logicalId, needs);
    }
    for (const role of facts.roles) {
      const {
        snapshot,
        origin: { notes: roleNotes, ...origin },
      } = roleSnapshot(role, facts, documents, unknownManaged);
      roles.push(snapshot);
      notes.push(...roleNotes);
      origins.set(snapshot.arn, {
        ...origin,
        consumers: consumers.filter((consumer) => consumer.roleLogicalIds.includes(role.logicalId)),
      });
    }
    for (const secret of facts.secrets) {
      if (isUnknown(secret.arn)) continue;
      declaredSecretArns.add(secret.arn);
      // An unknown key stays out of the metadata: the requirement then reports it unverifiable.
      if (isUnknown(secret.kmsKeyId)) unknownSecretKeys.set(secret.arn, secret.kmsKeyId.reason);
      else keys.set(secret.arn, secret.kmsKeyId);
    }
    notes.push(...facts.notes.map((note) => `${facts.file}: ${note}`));
  }
  const { resourcePolicies, layerOrigins } = templateLayers(templates);

  return {
    account: {
      roles,
      jobDefinitions,
      taskDefinitions,
      secretMetadata: { keys, resolvedArns: new Map() },
    },
    location,
    roles: origins,
    declaredSecretArns,
    unknownSecretKeys,
    resourcePolicies,
    layerOrigins,
    notes,
  };
}

/**
 * The templates' own layers. A key always has a key policy, so one the template leaves out or does not
 * determine is unresolved; a declared secret without an AWS::SecretsManager::ResourcePolicy has none (null);
 * a resource policy whose SecretId is unknown may be any declared secret's, so none of theirs is known.
 */
function templateLayers(templates: readonly TemplateFacts[]): {
  resourcePolicies: Map<string, LayerRead>;
  layerOrigins: Map<string, string>;
} {
  const resourcePolicies = new Map<string, LayerRead>();
  const layerOrigins = new Map<string, string>();
  const set = (key: string, read: LayerRead, origin: string): void => {
    resourcePolicies.set(key, read);
    layerOrigins.set(key, origin);
  };
  for (const facts of templates) {
    const { accountId, region } = facts.environment;
    for (const key of facts.keys) {
      if (isUnknown(key.arn)) continue;
      if (key.keyPolicy === null) {
        // KeyPolicy is optional: "If you don't specify a key policy, AWS KMS applies a default key policy"
        // whose one statement lets the account that owns the key use IAM policies for every KMS operation
        // (KMS Developer Guide, "Default key policy", key-policy-default.html: keys created programmatically).
        set(
          `keyPolicy ${key.arn}`,
          { status: 'read', policy: defaultKeyPolicy(facts.environment) },
          `the default key policy of ${key.logicalId} (no KeyPolicy)`,
        );
        continue;
      }
      set(
        `keyPolicy ${key.arn}`,
        templatePolicyRead(key.keyPolicy, `${key.logicalId}.KeyPolicy`, 'it has no KeyPolicy'),
        `the key policy of ${key.logicalId}`,
      );
    }
    // A repository's policy decides pulls from it in this account (lib/rule/layer-targets.ts): a declared
    // repository has the RepositoryPolicyText it declares, or none (null).
    for (const repository of facts.repositories) {
      if (isUnknown(repository.arn)) continue;
      set(
        `repositoryPolicy ${repository.arn}`,
        repository.policy === null
          ? { status: 'read', policy: null }
          : templatePolicyRead(repository.policy, `${repository.logicalId}.RepositoryPolicyText`, ''),
        repository.policy === null
          ? `${repository.logicalId} (no repository policy)`
          : `the repository policy of ${repository.logicalId}`,
      );
    }
    // A bucket's policy decides the S3 reads of files tasks fetch (lib/rule/layer-targets.ts): a declared
    // AWS::S3::BucketPolicy is the bucket's, a declared bucket without one has none (null), unless a bucket
    // policy whose Bucket the template does not determine may be its. Undeclared buckets stay NotProvided.
    type BucketPolicy = TemplateFacts['bucketPolicies'][number];
    const onBucket = new Map<string, [BucketPolicy, ...BucketPolicy[]]>();
    const [unknownBucket] = facts.bucketPolicies.flatMap((policy) =>
      isUnknown(policy.bucketArn) ? [{ logicalId: policy.logicalId, reason: policy.bucketArn.reason }] : [],
    );
    for (const policy of facts.bucketPolicies) {
      if (isUnknown(policy.bucketArn)) continue;
      onBucket.set(policy.bucketArn, [...(onBucket.get(policy.bucketArn) ?? []), policy]);
    }
    for (const bucket of facts.buckets) {
      if (isUnknown(bucket.arn) || onBucket.has(bucket.arn)) continue;
      if (unknownBucket === undefined) {
        set(
          `bucketPolicy ${bucket.arn}`,
          { status: 'read', policy: null },
          `${bucket.logicalId} (no bucket policy)`,
        );
      } else {
        set(
          `bucketPolicy ${bucket.arn}`,
          {
            status: 'unreadable',
            reason: 'Unresolved',
            detail: `${unknownBucket.logicalId}.Bucket is not determined by the template, so it may be this bucket's policy (${unknownBucket.reason})`,
          },
          `${bucket.logicalId} (${unknownBucket.logicalId} may be its bucket policy)`,
        );
      }
    }
    for (const [arn, attached] of onBucket) {
      const name = facts.buckets.find((bucket) => bucket.arn === arn)?.logicalId ?? arn;
      setAttached(set, `bucketPolicy ${arn}`, attached, {
        what: 'bucket',
        origin: `the bucket policy of ${name}`,
        property: 'PolicyDocument',
      });
    }
    for (const registry of facts.registryPolicies) {
      set(
        `registryPolicy ${accountId} ${region}`,
        templatePolicyRead(registry.policy, `${registry.logicalId}.PolicyText`, 'it has no PolicyText'),
        `the registry policy (${registry.logicalId})`,
      );
    }
  }
  secretLayers(templates, set);
  return { resourcePolicies, layerOrigins };
}

/** The key policy KMS gives a key created without one: the account root may use IAM policies for all of KMS. */
function defaultKeyPolicy(environment: { readonly partition: string; readonly accountId: string }): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Id: 'key-default-1',
    Statement: [
      {
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow',
        Principal: { AWS: `arn:${environment.partition}:iam::${environment.accountId}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  });
}

/**
 * Secret resource policies across every template judged together (a stack may attach a policy to another
 * stack's secret): a declared secret that no AWS::SecretsManager::ResourcePolicy can name has none (null); one
 * that a policy names by ARN, partial ARN (the ARN without its random suffix) or name has that policy; two
 * policies on one secret, or a policy whose SecretId is unknown, leave it unresolved. A policy on a secret
 * none of them declares is keyed by the ARN it names.
 */
function secretLayers(
  templates: readonly TemplateFacts[],
  set: (key: string, read: LayerRead, origin: string) => void,
): void {
  type SecretPolicy = TemplateFacts['secretPolicies'][number];
  const policies = templates.flatMap((facts) => facts.secretPolicies);
  const secrets = templates.flatMap((facts) => facts.secrets);
  const unknownTargets = policies.flatMap((policy) =>
    isUnknown(policy.secretArn) ? [{ logicalId: policy.logicalId, reason: policy.secretArn.reason }] : [],
  );
  // Secrets Manager ARNs end in `-` and six random characters; a partial ARN leaves them out.
  const names = (policyArn: string, secretArn: string): boolean =>
    policyArn === secretArn ||
    (secretArn.length === policyArn.length + 7 && secretArn.startsWith(`${policyArn}-`));
  const claimed = new Set<SecretPolicy>();
  for (const secret of secrets) {
    if (isUnknown(secret.arn)) continue;
    const secretArn = secret.arn;
    const attached = policies.filter(
      (policy) => !isUnknown(policy.secretArn) && names(policy.secretArn, secretArn),
    );
    for (const policy of attached) claimed.add(policy);
    const key = `secretPolicy ${secretArn}`;
    const [unknown] = unknownTargets;
    if (attached.length === 0) {
      if (unknown === undefined) {
        set(key, { status: 'read', policy: null }, `${secret.logicalId} (no resource policy)`);
      } else {
        set(
          key,
          {
            status: 'unreadable',
            reason: 'Unresolved',
            detail: `${unknown.logicalId}.SecretId is not determined by the template, so it may be this secret's resource policy (${unknown.reason})`,
          },
          `${secret.logicalId} (${unknown.logicalId} may be its resource policy)`,
        );
      }
    } else {
      setAttached(set, key, attached, {
        what: 'secret',
        origin: `the resource policy of ${secret.logicalId}`,
        property: 'ResourcePolicy',
      });
    }
  }
  // Policies on secrets no template declares, by the ARN they name.
  const external = new Map<string, SecretPolicy[]>();
  for (const policy of policies) {
    if (claimed.has(policy) || isUnknown(policy.secretArn)) continue;
    external.set(policy.secretArn, [...(external.get(policy.secretArn) ?? []), policy]);
  }
  for (const [arn, attached] of external) {
    setAttached(set, `secretPolicy ${arn}`, attached, {
      what: 'secret',
      origin: `the resource policy of ${arn}`,
      property: 'ResourcePolicy',
    });
  }
}

/**
 * The layer of one resource from the template policies attached to it: that policy when one is, unresolved
 * when several are (which one stays is not determined by the template).
 */
function setAttached(
  set: (key: string, read: LayerRead, origin: string) => void,
  key: string,
  attached: readonly { readonly logicalId: string; readonly policy: Resolved }[],
  names: { readonly what: string; readonly origin: string; readonly property: string },
): void {
  const [only, ...more] = attached;
  if (only === undefined) return;
  if (more.length > 0) {
    const ids = attached.map((policy) => policy.logicalId).join(', ');
    set(
      key,
      {
        status: 'unreadable',
        reason: 'Unresolved',
        detail: `${ids} all name this ${names.what}, and which one stays is not determined by the template`,
      },
      `${names.origin} (${ids})`,
    );
    return;
  }
  set(
    key,
    templatePolicyRead(only.policy, `${only.logicalId}.${names.property}`, `it has no ${names.property}`),
    `${names.origin} (${only.logicalId})`,
  );
}

/**
 * A template's policy document as a layer: as written when the template determines it; without the Allow
 * statements it does not determine (they prove nothing, and are named); unresolved when an unknown sits in a
 * Deny, in `Effect` or outside the statements (it may refuse anything), or the document is missing.
 */
function templatePolicyRead(document: Resolved, path: string, missing: string): LayerRead {
  if (document === null || document === undefined) {
    return { status: 'unreadable', reason: 'Unresolved', detail: `${path}: ${missing}` };
  }
  if (isUnknown(document)) {
    return {
      status: 'unreadable',
      reason: 'Unresolved',
      detail: `${path} is not determined by the template (${document.reason})`,
    };
  }
  if (typeof document === 'string') return { status: 'read', policy: document };
  const unknowns = unknownsIn(document, path);
  if (unknowns.length === 0) return { status: 'read', policy: JSON.stringify(document) };
  const known = withoutUnknownAllows(document);
  const named = unknowns.map((unknown) => `${unknown.path}: ${unknown.reason}`).join('; ');
  if (known === undefined) {
    return {
      status: 'unreadable',
      reason: 'Unresolved',
      detail: `it depends on values the template does not determine, and may deny: ${named}`,
    };
  }
  return {
    status: 'read',
    policy: JSON.stringify(known),
    leftOut: `Allow statements the template does not determine prove nothing: ${named}`,
  };
}

/**
 * The role as a snapshot without a single unknown: a policy holding one loses its document (so it proves
 * nothing and is reported unreadable), an unknown policy name or ARN gets a label that names its place.
 */
function roleSnapshot(
  role: TemplateRole,
  facts: TemplateFacts,
  documents: ReadonlyMap<string, { readonly document: RawPolicyDocument }>,
  unknownManaged: ReadonlyMap<string, readonly UnknownAt[]>,
): { snapshot: RoleSnapshot; origin: Omit<TemplateRoleOrigin, 'consumers'> & { notes: string[] } } {
  const described = role.description;
  const policyUnknowns = new Map<string, PolicyUnknowns>();
  const documentOf = (policyName: string, document: unknown, path: string): RawPolicyDocument => {
    const unknowns = unknownsIn(document, path);
    if (unknowns.length === 0) return document as RawPolicyDocument;
    const known = withoutUnknownAllows(document);
    policyUnknowns.set(policyName, { whole: known === undefined, unknowns });
    return known;
  };
  const { environment } = facts;
  const arn = textOr(
    described.arn,
    `arn:${environment.partition}:iam::${environment.accountId}:role/${role.logicalId}`,
  );

  const inlinePolicies = described.inlinePolicies.map((policy, index) => {
    const name = textOr(policy.name, `Policies[${index}]`);
    return { name, document: documentOf(`inline:${name}`, policy.document, 'PolicyDocument') };
  });
  const managedArns = described.attachedManagedPolicyArns.map((managed, index) => {
    if (!isUnknown(managed)) return managed;
    const label = `arn:${environment.partition}:iam::${environment.accountId}:policy/ManagedPolicyArns[${index}]`;
    policyUnknowns.set(`managed:${label.slice(label.lastIndexOf('/') + 1)}`, {
      whole: true,
      unknowns: [{ path: `ManagedPolicyArns[${index}]`, reason: managed.reason }],
    });
    return label;
  });
  for (const managed of managedArns) {
    const unknowns = unknownManaged.get(managed);
    if (unknowns) {
      policyUnknowns.set(`managed:${managed.slice(managed.lastIndexOf('/') + 1)}`, { whole: true, unknowns });
    }
  }
  const boundary = described.permissionsBoundaryArn;
  let permissionsBoundaryArn: string | undefined;
  if (isUnknown(boundary)) {
    permissionsBoundaryArn = `arn:${environment.partition}:iam::${environment.accountId}:policy/PermissionsBoundary`;
    policyUnknowns.set('boundary:PermissionsBoundary', {
      whole: true,
      unknowns: [{ path: 'PermissionsBoundary', reason: boundary.reason }],
    });
  } else permissionsBoundaryArn = boundary;

  // A tag grants nothing: an unknown value only matters to RoleTagKey=VALUE candidacy, and is noted.
  const tags: Record<string, string> = {};
  const notes: string[] = [];
  for (const [key, value] of Object.entries(described.tags)) {
    if (isUnknown(value)) {
      notes.push(
        `${facts.file}: ${role.logicalId}.Tags.${key} is not determined by the template (${value.reason}): ` +
          'a RoleTagKey parameter naming its value cannot match it',
      );
    } else tags[key] = value;
  }
  const description: RoleDescription = {
    roleName: role.roleName,
    roleId: textOr(described.roleId, `TEMPLATE-${role.logicalId}`),
    arn,
    path: textOr(described.path, '/'),
    trustPolicy: documentOf('trust', described.trustPolicy, 'AssumeRolePolicyDocument'),
    inlinePolicies,
    attachedManagedPolicyArns: managedArns,
    ...(permissionsBoundaryArn !== undefined && { permissionsBoundaryArn }),
    tags,
  };
  const { snapshot, missingPolicyArns } = snapshotFromDescription(description, documents);
  for (const missing of missingPolicyArns) {
    const kind = missing === permissionsBoundaryArn ? 'boundary' : 'managed';
    const name = `${kind}:${missing.slice(missing.lastIndexOf('/') + 1)}`;
    if (policyUnknowns.has(name)) continue;
    policyUnknowns.set(name, {
      whole: true,
      unknowns: [
        {
          path: missing,
          reason:
            'neither declared in the template nor an AWS managed policy known offline ' +
            '(of those, only AmazonECSTaskExecutionRolePolicy is)',
        },
      ],
    });
  }
  // Unknowns the description does not show: policies attached to roles the template does not determine.
  const shown = new Set(unknownsIn(described).map((unknown) => unknown.reason));
  const otherUnknowns = role.unknowns.filter((unknown) => !shown.has(unknown.reason));
  return {
    snapshot,
    origin: {
      logicalId: role.logicalId,
      roleName: role.roleName,
      location: role.location,
      policyUnknowns,
      otherUnknowns,
      notes,
    },
  };
}

/**
 * The document without its Allow statements that hold an unknown, or undefined (no document) when an
 * unknown sits anywhere else: outside `Statement`, in a Deny, or in `Effect` itself.
 */
function withoutUnknownAllows(document: unknown): RawPolicyDocument {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) return undefined;
  const { Statement: statement, ...rest } = document as Record<string, unknown>;
  if (unknownsIn(rest).length > 0 || isUnknown(statement)) return undefined;
  const statements = Array.isArray(statement) ? statement : [statement];
  const kept: unknown[] = [];
  for (const entry of statements) {
    if (unknownsIn(entry).length === 0) {
      kept.push(entry);
      continue;
    }
    const effect =
      typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>)['Effect'] : undefined;
    if (effect !== 'Allow') return undefined;
  }
  return { ...rest, Statement: kept } as RawPolicyDocument;
}

/**
 * A definition with every unknown taken out, and the needs they stand for. A secret whose `valueFrom` is
 * unknown, or registry credentials whose parameter is, are dropped whole: their need is reported by name.
 */
function withoutUnknowns(definition: unknown): { value: unknown; needs: UnknownNeed[] } {
  const needs: UnknownNeed[] = [];
  const strip = (value: unknown, path: string): unknown => {
    if (Array.isArray(value)) {
      return value.flatMap((item, index) => {
        const itemPath = `${path}[${index}]`;
        if (isUnknown(item)) {
          needs.push({ id: needIdOf(itemPath), path: itemPath, reason: item.reason });
          return [];
        }
        // A secret with an unknown reference or name is one need: drop it and report it once.
        const unknowns = /\.(secrets|secretOptions|environmentFiles)$/.test(path)
          ? unknownsIn(item, itemPath)
          : [];
        if (unknowns.length > 0) {
          for (const unknown of unknowns) needs.push({ id: needIdOf(unknown.path), ...unknown });
          return [];
        }
        return [strip(item, itemPath)];
      });
    }
    if (typeof value === 'object' && value !== null && !isUnknown(value)) {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        const itemPath = path === '' ? key : `${path}.${key}`;
        if (isUnknown(item)) {
          needs.push({ id: needIdOf(itemPath), path: itemPath, reason: item.reason });
          continue;
        }
        // A reference whose parts are partly unknown is one need: dropped whole, reported by name.
        if (WHOLE_REFERENCES.has(key)) {
          const unknowns = unknownsIn(item, itemPath);
          if (unknowns.length > 0) {
            for (const unknown of unknowns) needs.push({ id: needIdOf(unknown.path), ...unknown });
            continue;
          }
        }
        out[key] = strip(item, itemPath);
      }
      return out;
    }
    return value;
  };
  return { value: strip(definition, ''), needs };
}

/** Objects dropped whole when any part is unknown: checking their known parts alone would mislead. */
const WHOLE_REFERENCES = new Set([
  'repositoryCredentials',
  'firelensConfiguration',
  'fsxWindowsFileServerVolumeConfiguration',
]);

/** The requirement an unknown field of a definition belongs to. */
function needIdOf(path: string): FindingId {
  // Whether it runs on Fargate: only GuardDuty's sidecar depends on it (dropped when the switch is off).
  if (/^(platformCapabilities|requiresCompatibilities)\b/.test(path)) return 'GUARDDUTY_AGENT_IMAGE';
  if (path.includes('repositoryCredentials')) return 'REGISTRY_CREDENTIALS';
  if (path.includes('environmentFiles')) return 'ENVIRONMENT_FILES';
  if (path.includes('firelensConfiguration')) return 'FIRELENS_CONFIG';
  if (path.includes('credentialSpecs') || path.includes('dockerSecurityOptions'))
    return 'GMSA_CREDENTIAL_SPECS';
  if (path.includes('fsxWindowsFileServerVolumeConfiguration')) return 'FSX_WINDOWS_CREDENTIALS';
  if (/secretOptions|\.secrets\[/.test(path)) return 'SECRETS_MANAGER';
  // The image (ECR pulls), the log configuration (log group) and the execution role itself.
  return 'EXEC_PERMISSIONS';
}

function noteUnknownRole(notes: string[], file: string, logicalId: string, needs: readonly UnknownNeed[]) {
  for (const need of needs.filter((candidate) => /executionRoleArn$/.test(candidate.path))) {
    notes.push(
      `${file}: ${logicalId}.${need.path} is not determined by the template (${need.reason}): ` +
        'the role it names is not judged',
    );
  }
}

function textOr(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}
