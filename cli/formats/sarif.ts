/**
 * SARIF 2.1.0 (https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html), the format code scanning
 * reads: one rule per finding id, one result per finding, located at the role in its template (or, for an
 * account audit, at the role ARN as a logical location), with the consumers that need it as related locations.
 */
import { FINDINGS, SPEC_URL } from '../../lib/findings/registry';
import { consumersOf, displayName, type JudgedRole, type SourceLocation } from './judged-role';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

export interface SarifOptions {
  readonly toolVersion?: string;
  /** Where the tool is documented (the driver's informationUri); left out when not given. */
  readonly informationUri?: string;
}

/** The subset of SARIF 2.1.0 written here; every property name is the specification's. */
export interface SarifLog {
  readonly $schema: string;
  readonly version: '2.1.0';
  readonly runs: readonly SarifRun[];
}

interface SarifMessage {
  readonly text: string;
  readonly markdown?: string;
}

interface SarifPhysicalLocation {
  readonly artifactLocation: { readonly uri: string };
  readonly region?: { readonly startLine: number };
}

export interface SarifLocation {
  readonly id?: number;
  readonly message?: SarifMessage;
  readonly physicalLocation?: SarifPhysicalLocation;
  readonly logicalLocations?: readonly {
    readonly name: string;
    readonly fullyQualifiedName?: string;
    readonly kind: string;
  }[];
}

export interface SarifRule {
  readonly id: string;
  readonly name: string;
  readonly shortDescription: SarifMessage;
  readonly fullDescription: SarifMessage;
  readonly help: SarifMessage;
  readonly helpUri: string;
  readonly defaultConfiguration: { readonly level: 'error' };
}

export interface SarifResult {
  readonly ruleId: string;
  readonly ruleIndex: number;
  readonly level: 'error';
  readonly message: SarifMessage;
  readonly locations: readonly SarifLocation[];
  readonly relatedLocations?: readonly SarifLocation[];
  readonly partialFingerprints: Readonly<Record<string, string>>;
}

export interface SarifRun {
  readonly tool: {
    readonly driver: {
      readonly name: string;
      readonly version?: string;
      readonly informationUri?: string;
      readonly rules: readonly SarifRule[];
    };
  };
  readonly results: readonly SarifResult[];
}

/** A SARIF log of the verdicts: compliant and not-applicable roles contribute no results. */
export function toSarif(roles: readonly JudgedRole[], options: SarifOptions = {}): SarifLog {
  const rules: SarifRule[] = [];
  const ruleIndex = new Map<string, number>();
  const indexOf = (id: string): number => {
    let index = ruleIndex.get(id);
    if (index === undefined) {
      index = rules.push(ruleFor(id)) - 1;
      ruleIndex.set(id, index);
    }
    return index;
  };

  const results: SarifResult[] = [];
  for (const role of roles) {
    if (role.compliance !== 'NON_COMPLIANT') continue;
    for (const finding of role.findings) {
      const related = consumersOf(role, finding).map((consumer, index): SarifLocation => {
        const label = `${consumer.kind === 'ecs-task-definition' ? 'task definition' : 'job definition'} ${consumer.logicalId ?? consumer.name}`;
        return {
          id: index,
          message: { text: `needed by ${label}` },
          ...(consumer.location
            ? { physicalLocation: physicalLocation(consumer.location) }
            : { logicalLocations: [{ name: consumer.name, kind: 'resource' }] }),
        };
      });
      results.push({
        ruleId: finding.id,
        ruleIndex: indexOf(finding.id),
        level: 'error',
        message: { text: `${displayName(role)}: ${finding.message}` },
        locations: [roleLocation(role)],
        ...(related.length > 0 && { relatedLocations: related }),
        // Code scanning matches alerts across runs by these: the role, the finding id and its subject.
        partialFingerprints: {
          'executionRoleCheck/v1': [
            role.logicalId ?? role.arn ?? role.roleName,
            finding.id,
            finding.action ?? '',
            finding.resource ?? '',
          ].join('|'),
        },
      });
    }
  }

  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'execution-role-check',
            ...(options.toolVersion !== undefined && { version: options.toolVersion }),
            ...(options.informationUri !== undefined && { informationUri: options.informationUri }),
            rules,
          },
        },
        results,
      },
    ],
  };
}

/** A rule per finding id, its help from the findings registry (ids not in it get a generic text). */
function ruleFor(id: string): SarifRule {
  const entry = Object.hasOwn(FINDINGS, id) ? FINDINGS[id as keyof typeof FINDINGS] : undefined;
  const title = entry?.title ?? id;
  const description = entry?.description ?? `The execution role does not meet requirement ${id}.`;
  const helpUri = entry?.specUrl ?? SPEC_URL;
  // The link's own title (an ECS, ECR, GuardDuty or IAM page for needs the Batch page does not list).
  const see = entry
    ? {
        text: `See ${entry.specTitle} in the AWS documentation: ${helpUri}`,
        markdown: `See [${entry.specTitle}](${helpUri}) in the AWS documentation.`,
      }
    : { text: `See ${helpUri}`, markdown: `See <${helpUri}>.` };
  return {
    id,
    name: pascalCase(id),
    shortDescription: { text: title },
    fullDescription: { text: description },
    help: {
      text: `${description} ${see.text}`,
      markdown: `${description}\n\n${see.markdown}`,
    },
    helpUri,
    defaultConfiguration: { level: 'error' },
  };
}

function roleLocation(role: JudgedRole): SarifLocation {
  const logical = {
    logicalLocations: [
      {
        name: role.roleName,
        ...(role.arn !== undefined && { fullyQualifiedName: role.arn }),
        kind: 'resource',
      },
    ],
  };
  return role.location ? { physicalLocation: physicalLocation(role.location), ...logical } : logical;
}

function physicalLocation(location: SourceLocation): SarifPhysicalLocation {
  return {
    artifactLocation: { uri: fileUri(location.file) },
    ...(location.line !== undefined && location.line >= 1 && { region: { startLine: location.line } }),
  };
}

/** A relative URI reference for a path as the user wrote it: forward slashes, each segment escaped. */
export function fileUri(file: string): string {
  const path = file.replace(/\\/g, '/');
  const absolute = path.startsWith('/') ? 'file://' : /^[A-Za-z]:\//.test(path) ? 'file:///' : '';
  return (
    absolute +
    path
      .split('/')
      .map((segment, index) =>
        absolute === 'file:///' && index === 0 ? segment : encodeURIComponent(segment),
      )
      .join('/')
  );
}

function pascalCase(id: string): string {
  return id
    .toLowerCase()
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}
