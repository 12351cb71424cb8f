/** Container image references, reduced to the ECR repository the execution role must be able to pull from. */

// Private ECR: ACCOUNT.dkr.ecr[-fips].REGION.amazonaws.com[.cn] and the dual-stack ACCOUNT.dkr-ecr.REGION.on.aws.
const ECR_HOST =
  /^(\d{12})\.dkr[.-]ecr(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d+)\.(amazonaws\.com(\.cn)?|on\.aws)$/;
// Repository names: lowercase letters, digits, and . _ - / separators (ECR CreateRepository).
const REPOSITORY = /^[a-z0-9]+(?:[._/-][a-z0-9]+)*$/;

/**
 * The ECR repository ARN an image is pulled from, or undefined for any other registry (Docker Hub,
 * ECR Public, a private registry with repositoryCredentials): only private ECR pulls use the role's ECR grants.
 */
export function ecrRepositoryArn(image: string | undefined): string | undefined {
  if (!image) return undefined;
  const slash = image.indexOf('/');
  if (slash < 0) return undefined;
  const host = ECR_HOST.exec(image.slice(0, slash).toLowerCase());
  if (!host) return undefined;
  const [, account = '', region = '', , china] = host;
  let path = image.slice(slash + 1);
  const at = path.indexOf('@');
  if (at >= 0) path = path.slice(0, at);
  // A tag follows the last colon of the last path segment.
  const lastSlash = path.lastIndexOf('/');
  const colon = path.indexOf(':', lastSlash + 1);
  if (colon >= 0) path = path.slice(0, colon);
  if (!REPOSITORY.test(path)) return undefined;
  const partition = china ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  return `arn:${partition}:ecr:${region}:${account}:repository/${path}`;
}
