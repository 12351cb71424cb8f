/**
 * What an ECS task definition makes the agent fetch with the execution role beyond images, logs and
 * secrets: environment files and FireLens configuration in S3, gMSA credential specs in S3 or Parameter
 * Store, and the credentials and file system of FSx for Windows File Server volumes. Batch job definitions
 * have none of these fields. Each value that names nothing fetchable becomes an invalid reference naming its
 * field (the caller reports it), never an exception.
 */
import { InvalidSecretReferenceError } from './errors';
import type {
  ContainerLike,
  EcsFileNeed,
  EcsVolume,
  FeatureSecretReference,
  FileSystemReference,
  InvalidReference,
  RuleLocation,
  S3ObjectReference,
} from './types';
import { parseValueFrom } from './value-from';

/** Where one container's or task's needs go: the consumer builder of lib/usage/extract.ts. */
export interface EcsFileSink {
  addS3Object(reference: S3ObjectReference): void;
  addFeatureSecret(reference: FeatureSecretReference): void;
  addFileSystem(reference: FileSystemReference): void;
  addInvalid(reference: InvalidReference): void;
}

const PARTITION = /^aws(-[a-z]+)*$/;
// S3 bucket naming rules: 3-63 characters, lowercase letters, digits, dots and hyphens, starting and ending
// with a letter or digit (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
// FSx file system ids: `fs-` and 8 or 17 hexadecimal digits (FSx API Reference, FileSystemId pattern).
const FILE_SYSTEM_ID = /^fs-[0-9a-f]{8,21}$/;
/** The two prefixes of a credential spec (ECS API Reference, ContainerDefinition.credentialSpecs). */
const CREDENTIAL_SPEC = /^(credentialspec|credentialspecdomainless):(.*)$/;

/** `arn:PARTITION:s3:::BUCKET/KEY` -> the object and bucket ARNs; a problem sentence when it is not one. */
export function parseS3ObjectArn(value: unknown): { objectArn: string; bucketArn: string } | string {
  if (typeof value !== 'string') return 'is not a string';
  const text = value.trim();
  const parts = text.split(':');
  if (parts.length < 6 || parts[0] !== 'arn' || parts[2] !== 's3') {
    return 'is not an S3 object ARN (arn:aws:s3:::BUCKET/KEY)';
  }
  const [, partition = '', , region = '', account = ''] = parts;
  if (!PARTITION.test(partition)) return `has an unknown partition ${JSON.stringify(partition)}`;
  // S3 object ARNs carry neither region nor account.
  if (region !== '' || account !== '')
    return 'is not an S3 object ARN (its region and account must be empty)';
  const resource = parts.slice(5).join(':');
  const slash = resource.indexOf('/');
  const bucket = slash < 0 ? resource : resource.slice(0, slash);
  const key = slash < 0 ? '' : resource.slice(slash + 1);
  if (!BUCKET.test(bucket)) return `names no valid S3 bucket (${JSON.stringify(bucket)})`;
  if (key === '') return 'names a bucket, not an object (expected arn:aws:s3:::BUCKET/KEY)';
  return {
    objectArn: `arn:${partition}:s3:::${bucket}/${key}`,
    bucketArn: `arn:${partition}:s3:::${bucket}`,
  };
}

/** Adds the S3 reads of one S3-hosted file, or an invalid reference naming the field. */
function addS3File(
  sink: EcsFileSink,
  id: S3ObjectReference['id'],
  value: unknown,
  field: string,
  needsBucketLocation: boolean,
): void {
  const parsed = parseS3ObjectArn(value);
  if (typeof parsed === 'string') {
    sink.addInvalid({ id, field, valueFrom: String(value ?? ''), problem: parsed });
    return;
  }
  sink.addS3Object({ id, ...parsed, needsBucketLocation, field });
}

/** A parameter or secret ARN for `id`, or an invalid reference naming the field. */
function addFeatureSecret(
  sink: EcsFileSink,
  id: FeatureSecretReference['id'],
  value: string,
  field: string,
  location: RuleLocation,
): void {
  try {
    sink.addFeatureSecret({ ...parseValueFrom(value, location, { field }), id });
  } catch (error) {
    if (!(error instanceof InvalidSecretReferenceError)) throw error;
    sink.addInvalid({ id, field, valueFrom: value, problem: error.problem });
  }
}

/**
 * A container's environment files, FireLens configuration file and credential specs. Environment files and
 * the FireLens file need s3:GetObject on the object and s3:GetBucketLocation on its bucket
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/use-environment-file.html,
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/firelens-taskdef.html); a credential spec
 * needs s3:GetObject on its object or ssm:GetParameters on its parameter, in `credentialSpecs` or (Windows,
 * the older form) `dockerSecurityOptions`
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/linux-gmsa.html,
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/windows-gmsa.html).
 */
export function addContainerFiles(
  sink: EcsFileSink,
  container: ContainerLike,
  path: string,
  location: RuleLocation,
): void {
  (Array.isArray(container.environmentFiles) ? container.environmentFiles : []).forEach((file, index) => {
    const field = `${path}.environmentFiles[${index}]`;
    const type: unknown = file?.type;
    // `s3` is the only type the API accepts; an absent type is read as it, so the file is still checked.
    if (type !== undefined && type !== 's3') {
      sink.addInvalid({
        id: 'ENVIRONMENT_FILES',
        field: `${field}.type`,
        valueFrom: String(type),
        problem: 'is not "s3", the only environment file type ECS reads',
      });
      return;
    }
    addS3File(sink, 'ENVIRONMENT_FILES', file?.value, `${field}.value`, true);
  });

  const options = container.firelensConfiguration?.options;
  const fileType: unknown = options?.['config-file-type'];
  if (fileType !== undefined) {
    const field = `${path}.firelensConfiguration.options`;
    // `file` is a path inside the router's image: nothing to fetch with the role.
    if (fileType === 's3') {
      addS3File(sink, 'FIRELENS_CONFIG', options?.['config-file-value'], `${field}.config-file-value`, true);
    } else if (fileType !== 'file') {
      sink.addInvalid({
        id: 'FIRELENS_CONFIG',
        field: `${field}.config-file-type`,
        valueFrom: String(fileType),
        problem: 'is neither "s3" nor "file"',
      });
    }
  }

  (Array.isArray(container.credentialSpecs) ? container.credentialSpecs : []).forEach((spec, index) => {
    addCredentialSpec(sink, spec, `${path}.credentialSpecs[${index}]`, location);
  });
  // The older form: a credential spec among the Docker security options. Other options (`no-new-privileges`,
  // SELinux labels) and a spec file on the instance (`credentialspec:file://...`) fetch nothing.
  const securityOptions = Array.isArray(container.dockerSecurityOptions)
    ? container.dockerSecurityOptions
    : [];
  securityOptions.forEach((option: unknown, index) => {
    if (typeof option !== 'string' || !option.trim().startsWith('credentialspec:')) return;
    if (option.trim().startsWith('credentialspec:file://')) return;
    addCredentialSpec(sink, option, `${path}.dockerSecurityOptions[${index}]`, location);
  });
}

function addCredentialSpec(sink: EcsFileSink, spec: unknown, field: string, location: RuleLocation): void {
  const id: EcsFileNeed = 'GMSA_CREDENTIAL_SPECS';
  const match = typeof spec === 'string' ? CREDENTIAL_SPEC.exec(spec.trim()) : null;
  const target = match?.[2] ?? '';
  if (!match || !target.startsWith('arn:')) {
    sink.addInvalid({
      id,
      field,
      valueFrom: String(spec ?? ''),
      problem:
        'is not credentialspec:ARN or credentialspecdomainless:ARN with an S3 object or SSM parameter ARN',
    });
    return;
  }
  const service = target.split(':')[2];
  if (service === 's3') {
    // The documented grant for a credential spec file in S3 is s3:GetObject on the object alone.
    addS3File(sink, id, target, field, false);
  } else if (service === 'ssm') {
    addFeatureSecret(sink, id, target, field, location);
  } else {
    sink.addInvalid({
      id,
      field,
      valueFrom: target,
      problem: `is a ${service || 'malformed'} ARN; a credential spec lives in S3 or Parameter Store`,
    });
  }
}

/**
 * FSx for Windows File Server volumes: the agent reads the domain credentials (`credentialsParameter`, a
 * Secrets Manager secret or SSM parameter ARN) and describes the file system
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/wfsx-volumes.html).
 */
export function addTaskVolumes(sink: EcsFileSink, volumes: unknown, location: RuleLocation): void {
  const id = 'FSX_WINDOWS_CREDENTIALS' as const;
  (Array.isArray(volumes) ? (volumes as EcsVolume[]) : []).forEach((volume, index) => {
    const configuration = volume?.fsxWindowsFileServerVolumeConfiguration;
    if (configuration === undefined || configuration === null) return;
    const path = `volumes[${typeof volume.name === 'string' ? volume.name : index}].fsxWindowsFileServerVolumeConfiguration`;

    const fileSystemId: unknown = configuration.fileSystemId;
    if (typeof fileSystemId === 'string' && FILE_SYSTEM_ID.test(fileSystemId.trim())) {
      sink.addFileSystem({
        arn: `arn:${location.partition}:fsx:${location.region}:${location.accountId}:file-system/${fileSystemId.trim()}`,
        field: `${path}.fileSystemId`,
      });
    } else {
      sink.addInvalid({
        id,
        field: `${path}.fileSystemId`,
        valueFrom: String(fileSystemId ?? ''),
        problem: 'is not an FSx file system id (fs- and hexadecimal digits)',
      });
    }

    const field = `${path}.authorizationConfig.credentialsParameter`;
    const credentials: unknown = configuration.authorizationConfig?.credentialsParameter;
    if (typeof credentials !== 'string' || !credentials.trim().startsWith('arn:')) {
      sink.addInvalid({
        id,
        field,
        valueFrom: String(credentials ?? ''),
        problem: 'is not a Secrets Manager secret ARN or SSM parameter ARN',
      });
      return;
    }
    addFeatureSecret(sink, id, credentials, field, location);
  });
}
