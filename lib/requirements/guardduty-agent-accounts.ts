/**
 * Where GuardDuty Runtime Monitoring pulls its Fargate sidecar from: the AWS account that hosts the ECR
 * repository `aws-guardduty-agent-fargate` in each region. Copied from the table of
 * https://docs.aws.amazon.com/guardduty/latest/ug/ecs-runtime-agent-ecr-image-uri.html, in its order, and
 * for the two AWS GovCloud (US) regions from "Amazon GuardDuty in AWS GovCloud (US)",
 * https://docs.aws.amazon.com/govcloud-us/latest/UserGuide/govcloud-guardduty.html ("Amazon ECR repository
 * for Fargate-ECS resources"). A region neither page lists (the China regions, a region launched after the
 * copy) is left out, so a Fargate consumer there is an unverifiable finding (fail closed) until a row is
 * added from the page.
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
  'ap-southeast-3': '510637619217', // Asia Pacific (Jakarta)
  'ap-northeast-1': '533107202818', // Asia Pacific (Tokyo)
  'ap-northeast-2': '914738172881', // Asia Pacific (Seoul)
  'ap-northeast-3': '273192626886', // Asia Pacific (Osaka)
  'ap-east-1': '258348409381', // Asia Pacific (Hong Kong)
  'me-south-1': '536382113932', // Middle East (Bahrain)
  'eu-south-1': '266869475730', // Europe (Milan)
  'eu-south-2': '919611009337', // Europe (Spain)
  'af-south-1': '197869348890', // Africa (Cape Town)
  'ap-southeast-4': '251357961535', // Asia Pacific (Melbourne)
  'il-central-1': '870907303882', // Israel (Tel Aviv)
  'ap-southeast-5': '156041399949', // Asia Pacific (Malaysia)
  'ap-southeast-7': '054037130133', // Asia Pacific (Thailand)
  'ca-west-1': '339712888787', // Canada West (Calgary)
  'mx-central-1': '311141559934', // Mexico (Central)
  'ap-east-2': '259886477082', // Asia Pacific (Taipei)
  // AWS GovCloud (US), from the GovCloud User Guide page above (partition aws-us-gov).
  'us-gov-east-1': '383115532789', // AWS GovCloud (US-East)
  'us-gov-west-1': '383110348953', // AWS GovCloud (US-West)
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
