/**
 * What `Ref` and `Fn::GetAtt` return for the resource types the check reads, as each type's "Return values"
 * section documents (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-template-resource-type-ref.html).
 * Names CloudFormation generates (no name property) are placeholders: the logical id, so that a role's ARN
 * built from `Ref` and from `Fn::GetAtt ... Arn` agree within the template.
 */
import { Unknown } from './unknown';

/** A resolved template value; `Unknown` wherever the template does not determine it. */
export type Resolved = string | number | boolean | null | Unknown | readonly Resolved[] | ResolvedObject;
export interface ResolvedObject {
  readonly [key: string]: Resolved;
}

/** The pseudo parameters a physical id is built from. */
export interface Environment {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  readonly urlSuffix: string;
}

/** One resource as the semantics see it: its logical id and resolved properties, read lazily. */
export interface ResourceContext {
  readonly logicalId: string;
  readonly type: string;
  readonly env: Environment;
  /** ResolveOptions.keyIdSeed ('' when not given). */
  readonly keyIdSeed: string;
  /** The resolved property, undefined when absent. */
  property(name: string): Resolved | undefined;
}

interface Semantics {
  readonly ref: (resource: ResourceContext) => Resolved;
  readonly attributes: Readonly<Record<string, (resource: ResourceContext) => Resolved>>;
}

/**
 * Secrets Manager appends six random characters to a secret's name in its ARN; this stands for them, so the
 * same secret's ARN is the same text wherever the template names it. It matches a `NAME-??????` grant, as the
 * real suffix would.
 */
export const SECRET_SUFFIX_PLACEHOLDER = 'XXXXXX';

/** The name property's value, or the logical id standing for the name CloudFormation would generate. */
function nameOf(resource: ResourceContext, property: string, lowerCase = false): Resolved {
  const name = resource.property(property);
  if (name === undefined) return lowerCase ? resource.logicalId.toLowerCase() : resource.logicalId;
  return name;
}

/** Builds text from parts; the first unknown part (or a non-text part) makes the whole unknown. */
export function textOf(parts: readonly Resolved[], what: string): string | Unknown {
  let text = '';
  for (const part of parts) {
    if (part instanceof Unknown) return part;
    if (typeof part === 'string' || typeof part === 'number' || typeof part === 'boolean') {
      text += String(part);
    } else {
      return new Unknown(`${what}: expected text, got ${part === null ? 'null' : 'a list or object'}`);
    }
  }
  return text;
}

function arn(resource: ResourceContext, service: string, region: boolean, ...rest: Resolved[]): Resolved {
  const { partition, region: name, accountId } = resource.env;
  return textOf(
    [`arn:${partition}:${service}:${region ? name : ''}:${accountId}:`, ...rest],
    `the ARN of ${resource.logicalId}`,
  );
}

/** An IAM path property, `/` when absent (IAM's default). */
function pathOf(resource: ResourceContext): Resolved {
  return resource.property('Path') ?? '/';
}

/**
 * A stable stand-in for the key id KMS assigns, shaped like one (32 hex digits as a UUID; `mrk-` and 32 hex
 * digits for a multi-Region key) so that code reading key ids treats it as one. Derived from the logical id.
 */
export function placeholderKeyId(logicalId: string, multiRegion: boolean, keyIdSeed = ''): string {
  let hex = '';
  for (let seed = 0; hex.length < 32; seed += 1) {
    // FNV-1a: a cheap, stable hash; the seed keeps templates judged together apart.
    let hash = 0x811c9dc5 ^ seed;
    for (const char of `${keyIdSeed}${logicalId}`) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193);
    hex += (hash >>> 0).toString(16).padStart(8, '0');
  }
  return multiRegion
    ? `mrk-${hex}`
    : `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function keyIdOf(resource: ResourceContext): Resolved {
  return placeholderKeyId(resource.logicalId, resource.property('MultiRegion') === true, resource.keyIdSeed);
}

const SEMANTICS: Readonly<Record<string, Semantics>> = {
  // Ref: the role name. Arn: the role ARN, path included. RoleId: assigned by IAM.
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-role.html#aws-resource-iam-role-return-values
  'AWS::IAM::Role': {
    ref: (r) => nameOf(r, 'RoleName'),
    attributes: {
      Arn: (r) => arn(r, 'iam', false, 'role', pathOf(r), nameOf(r, 'RoleName')),
      RoleId: (r) => new Unknown(`Fn::GetAtt ${r.logicalId}.RoleId: IAM assigns the role id at creation`),
    },
  },
  // Ref: the policy ARN. PolicyArn: the same.
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-managedpolicy.html#aws-resource-iam-managedpolicy-return-values
  'AWS::IAM::ManagedPolicy': {
    ref: (r) => arn(r, 'iam', false, 'policy', pathOf(r), nameOf(r, 'ManagedPolicyName')),
    attributes: {
      PolicyArn: (r) => arn(r, 'iam', false, 'policy', pathOf(r), nameOf(r, 'ManagedPolicyName')),
    },
  },
  // Ref: the instance profile name. Arn: its ARN.
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-instanceprofile.html#aws-resource-iam-instanceprofile-return-values
  'AWS::IAM::InstanceProfile': {
    ref: (r) => nameOf(r, 'InstanceProfileName'),
    attributes: {
      Arn: (r) => arn(r, 'iam', false, 'instance-profile', pathOf(r), nameOf(r, 'InstanceProfileName')),
    },
  },
  // Ref: the secret ARN (name plus a random suffix). Id: the same ARN.
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-secretsmanager-secret.html#aws-resource-secretsmanager-secret-return-values
  'AWS::SecretsManager::Secret': {
    ref: (r) => arn(r, 'secretsmanager', true, 'secret:', nameOf(r, 'Name'), `-${SECRET_SUFFIX_PLACEHOLDER}`),
    attributes: {
      Id: (r) =>
        arn(r, 'secretsmanager', true, 'secret:', nameOf(r, 'Name'), `-${SECRET_SUFFIX_PLACEHOLDER}`),
    },
  },
  // Ref: the key id. Arn: the key ARN. KeyId: the key id.
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-kms-key.html#aws-resource-kms-key-return-values
  'AWS::KMS::Key': {
    ref: keyIdOf,
    attributes: {
      Arn: (r) => arn(r, 'kms', true, 'key/', keyIdOf(r)),
      KeyId: keyIdOf,
    },
  },
  // Ref: the alias name (`alias/...`).
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-kms-alias.html#aws-resource-kms-alias-return-values
  'AWS::KMS::Alias': { ref: (r) => nameOf(r, 'AliasName'), attributes: {} },
  // Ref: the parameter name. Type and Value: the properties.
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ssm-parameter.html#aws-resource-ssm-parameter-return-values
  'AWS::SSM::Parameter': {
    ref: (r) => nameOf(r, 'Name'),
    attributes: {
      Type: (r) => r.property('Type') ?? new Unknown(`Fn::GetAtt ${r.logicalId}.Type: no Type property`),
      Value: (r) => r.property('Value') ?? new Unknown(`Fn::GetAtt ${r.logicalId}.Value: no Value property`),
    },
  },
  // Ref: the log group name. Arn: `arn:...:log-group:NAME:*`.
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-logs-loggroup.html#aws-resource-logs-loggroup-return-values
  'AWS::Logs::LogGroup': {
    ref: (r) => nameOf(r, 'LogGroupName'),
    attributes: { Arn: (r) => arn(r, 'logs', true, 'log-group:', nameOf(r, 'LogGroupName'), ':*') },
  },
  // Ref: the repository name (lower case). Arn and RepositoryUri.
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ecr-repository.html#aws-resource-ecr-repository-return-values
  'AWS::ECR::Repository': {
    ref: (r) => nameOf(r, 'RepositoryName', true),
    attributes: {
      Arn: (r) => arn(r, 'ecr', true, 'repository/', nameOf(r, 'RepositoryName', true)),
      RepositoryUri: (r) =>
        textOf(
          [
            `${r.env.accountId}.dkr.ecr.${r.env.region}.${r.env.urlSuffix}/`,
            nameOf(r, 'RepositoryName', true),
          ],
          `the RepositoryUri of ${r.logicalId}`,
        ),
    },
  },
  // Ref: the bucket name. Arn: `arn:PARTITION:s3:::NAME`.
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-s3-bucket.html#aws-resource-s3-bucket-return-values
  'AWS::S3::Bucket': {
    ref: (r) => nameOf(r, 'BucketName', true),
    attributes: {
      Arn: (r) =>
        textOf([`arn:${r.env.partition}:s3:::`, nameOf(r, 'BucketName', true)], `the ARN of ${r.logicalId}`),
    },
  },
};

/** `Ref` of a resource: its documented return value, or unknown for a type not modelled here. */
export function refOfResource(resource: ResourceContext): Resolved {
  const semantics = SEMANTICS[resource.type];
  if (semantics === undefined) {
    return new Unknown(
      `Ref ${resource.logicalId}: what Ref returns for a ${resource.type} is not determined offline`,
    );
  }
  return semantics.ref(resource);
}

/** `Fn::GetAtt` of a resource, or unknown for an attribute or type not modelled here. */
export function attributeOfResource(resource: ResourceContext, attribute: string): Resolved {
  const semantics = SEMANTICS[resource.type];
  const read = semantics?.attributes[attribute];
  if (read === undefined) {
    return new Unknown(
      semantics === undefined
        ? `Fn::GetAtt ${resource.logicalId}.${attribute}: the attribute of a ${resource.type} is not determined offline`
        : `Fn::GetAtt ${resource.logicalId}.${attribute}: a ${resource.type} has no attribute ${attribute} ` +
            `(it has ${Object.keys(semantics.attributes).join(', ') || 'none'})`,
    );
  }
  return read(resource);
}
