/**
 * Where GuardDuty Runtime Monitoring pulls its Fargate sidecar from: the AWS account that hosts the ECR
 * repository `aws-guardduty-agent-fargate` in each region. Copied from the table of
 * https://docs.aws.amazon.com/guardduty/latest/ug/ecs-runtime-agent-ecr-image-uri.html, in its order.
 * The page lists more regions (Jakarta, Tokyo, Seoul, Osaka, Hong Kong, Bahrain, Milan, Spain, Cape Town,
 * Melbourne, Tel Aviv, ...) whose account ids were not readable when this was copied: they are left out, so a
 * Fargate consumer there is an unverifiable finding (fail closed) until a row is added from the page.
 */

/** The page the table is copied from. */
export const GUARDDUTY_AGENT_SOURCE_URL =
  'https://docs.aws.amazon.com/guardduty/latest/ug/ecs-runtime-agent-ecr-image-uri.html';

/** The repository name, the same in every region. */
export const GUARDDUTY_AGENT_REPOSITORY = 'aws-guardduty-agent-fargate';

/** Region -> the account whose registry holds the agent repository, as the page lists them. */
export const GUARDDUTY_AGENT_ACCOUNTS: Readonly<Record<string, string>> = Object.freeze({
  'us-west-2': '733349766148', // US West (Oregon)
  'eu-west-3': '665651866788', // Europe (Paris)
  'ap-south-1': '251508486986', // Asia Pacific (Mumbai)
  'ap-south-2': '950823858135', // Asia Pacific (Hyderabad)
  'ca-central-1': '354763396469', // Canada (Central)
  'me-central-1': '000014521398', // Middle East (UAE)
  'eu-west-2': '892757235363', // Europe (London)
  'us-west-1': '684579721401', // US West (N. California)
  'us-east-1': '593207742271', // US East (N. Virginia)
  'us-east-2': '307168627858', // US East (Ohio)
  'eu-west-1': '694911143906', // Europe (Ireland)
  'sa-east-1': '758426053663', // South America (São Paulo)
  'eu-north-1': '591436053604', // Europe (Stockholm)
  'eu-central-1': '323658145986', // Europe (Frankfurt)
  'eu-central-2': '529164026651', // Europe (Zurich)
  'ap-southeast-1': '174946120834', // Asia Pacific (Singapore)
  'ap-southeast-2': '005257825471', // Asia Pacific (Sydney)
});

/**
 * The ARN of the agent repository a Fargate task in `region` pulls, or undefined when the table has no
 * account for that region (the caller reports it as unverifiable).
 */
export function guardDutyAgentRepositoryArn(partition: string, region: string): string | undefined {
  // Own keys only: a region is never `constructor` or `toString`, but the lookup must not say so either.
  const account = Object.hasOwn(GUARDDUTY_AGENT_ACCOUNTS, region)
    ? GUARDDUTY_AGENT_ACCOUNTS[region]
    : undefined;
  if (account === undefined) return undefined;
  return `arn:${partition}:ecr:${region}:${account}:repository/${GUARDDUTY_AGENT_REPOSITORY}`;
}
