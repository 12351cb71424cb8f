/** Just enough ARN parsing for the adapters: which partition, region and account a resource lives in. */

/** The fields of `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE` (the resource keeps its colons). */
export interface ParsedArn {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly accountId: string;
  readonly resource: string;
}

/** The ARN's fields, or undefined when `arn` is not an ARN. */
export function parseArn(arn: string): ParsedArn | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  const [, partition = '', service = '', region = '', accountId = ''] = parts;
  if (partition === '' || service === '') return undefined;
  return { partition, service, region, accountId, resource: parts.slice(5).join(':') };
}

/** The last `/`-separated segment of an ARN: a role's or policy's name (paths come before it). */
export function lastPathSegment(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}
