/**
 * The SDK clients, built once per container. Default configuration on purpose: region, credentials and the
 * standard `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_<SERVICE>` variables then work exactly as AWS documents.
 */
import { BatchClient } from '@aws-sdk/client-batch';
import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';

/**
 * IAM's control plane allows few requests per second per account. `adaptive` adds client-side rate limiting
 * on top of standard retries once throttling starts, and the bounded attempts stop a sweep from hanging.
 */
export const RETRY_SETTINGS = { retryMode: 'adaptive', maxAttempts: 8 } as const;

/** IAM is a global service signed in us-east-1 (aws partition); used only when no region is configured. */
export const IAM_FALLBACK_REGION = 'us-east-1';

/** Settings applied to every client: tests point them at moto_server; production leaves them unset. */
export interface SharedClientConfig {
  readonly region?: string;
  readonly endpoint?: string;
  readonly credentials?: {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken?: string;
  };
  readonly maxAttempts?: number;
  readonly retryMode?: string;
}

/** The clients that read from one region (secrets, parameters, registries and buckets are regional). */
export interface RegionalClients {
  readonly secretsManager: SecretsManagerClient;
  readonly ssm: SSMClient;
  readonly ecr: ECRClient;
  readonly s3: S3Client;
}

/** Every client the adapters use. */
export interface AwsClients extends RegionalClients {
  readonly iam: IAMClient;
  readonly config: ConfigServiceClient;
  readonly batch: BatchClient;
  readonly ecs: ECSClient;
  /** The region the default clients use (resolved from the environment, like the SDK does). */
  defaultRegion(): Promise<string>;
  /** Secrets Manager, SSM, ECR and S3 clients for `region`, built on first use and kept for the container's life. */
  regional(region: string): Promise<RegionalClients>;
}

/** Prebuilt clients (tests) and settings for the ones built here. */
export interface ClientOverrides {
  readonly clientConfig?: SharedClientConfig;
  readonly iam?: IAMClient;
  readonly config?: ConfigServiceClient;
  readonly batch?: BatchClient;
  readonly ecs?: ECSClient;
  readonly secretsManager?: SecretsManagerClient;
  readonly ssm?: SSMClient;
  readonly ecr?: ECRClient;
  readonly s3?: S3Client;
}

/** Builds each client once; call at module scope so warm invocations reuse connections and caches. */
export function createClients(overrides: ClientOverrides = {}): AwsClients {
  const shared = { ...RETRY_SETTINGS, ...overrides.clientConfig };
  const batch = overrides.batch ?? new BatchClient(shared);
  const config = overrides.config ?? new ConfigServiceClient(shared);
  const ecs = overrides.ecs ?? new ECSClient(shared);
  const secretsManager = overrides.secretsManager ?? new SecretsManagerClient(shared);
  const ssm = overrides.ssm ?? new SSMClient(shared);
  const ecr = overrides.ecr ?? new ECRClient(shared);
  const s3 = overrides.s3 ?? new S3Client(shared);
  // The region resolved the SDK's way (env, shared config file), borrowed from a regional client so IAM can
  // fall back to us-east-1 only when nothing is configured, without pulling in the SDK's config loaders.
  const defaultRegion = (): Promise<string> => batch.config.region();
  const iam =
    overrides.iam ??
    new IAMClient({
      ...shared,
      region: shared.region ?? (() => defaultRegion().catch(() => IAM_FALLBACK_REGION)),
    });

  const regionalClients = new Map<string, Promise<RegionalClients>>();
  const regional = (region: string): Promise<RegionalClients> => {
    let clients = regionalClients.get(region);
    if (clients === undefined) {
      clients = defaultRegion().then((home) =>
        home === region
          ? { secretsManager, ssm, ecr, s3 }
          : {
              secretsManager: new SecretsManagerClient({ ...shared, region }),
              ssm: new SSMClient({ ...shared, region }),
              ecr: new ECRClient({ ...shared, region }),
              s3: new S3Client({ ...shared, region }),
            },
      );
      // A failed region lookup must not stick: forget it so the next call tries again.
      clients.catch(() => regionalClients.delete(region));
      regionalClients.set(region, clients);
    }
    return clients;
  };

  return { iam, config, batch, ecs, secretsManager, ssm, ecr, s3, defaultRegion, regional };
}
