/**
 * JUnit XML for CI systems that show test reports (GitLab, Jenkins, Azure Pipelines): one testsuite, one
 * testcase per judged role, one `<failure>` per finding (most readers list each), `<skipped>` for roles the
 * rule does not apply to.
 */
import { displayName, type JudgedRole } from './judged-role';

export interface JUnitOptions {
  /** The testsuite's name; `execution-role-check` by default. */
  readonly suiteName?: string;
}

/** The verdicts as a JUnit XML document (UTF-8, XML 1.0). */
export function toJUnit(roles: readonly JudgedRole[], options: JUnitOptions = {}): string {
  const suite = options.suiteName ?? 'execution-role-check';
  const failed = roles.filter((role) => role.compliance === 'NON_COMPLIANT').length;
  const skipped = roles.filter((role) => role.compliance === 'NOT_APPLICABLE').length;
  const counts = `tests="${roles.length}" failures="${failed}" errors="0" skipped="${skipped}"`;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${escapeXml(suite)}" ${counts}>`,
    `  <testsuite name="${escapeXml(suite)}" ${counts}>`,
    ...roles.flatMap((role) => testcase(role, suite)),
    '  </testsuite>',
    '</testsuites>',
  ];
  return `${lines.join('\n')}\n`;
}

function testcase(role: JudgedRole, suite: string): string[] {
  const attributes = [
    `name="${escapeXml(displayName(role))}"`,
    // Readers group by classname: the template file, or the suite for account audits.
    `classname="${escapeXml(role.location?.file ?? suite)}"`,
    ...(role.location ? [`file="${escapeXml(role.location.file)}"`] : []),
    ...(role.location?.line !== undefined ? [`line="${role.location.line}"`] : []),
  ].join(' ');
  if (role.compliance === 'COMPLIANT') return [`    <testcase ${attributes}/>`];
  if (role.compliance === 'NOT_APPLICABLE') {
    return [
      `    <testcase ${attributes}>`,
      `      <skipped message="${escapeXml(role.reason ?? 'not an execution role under the rule parameters')}"/>`,
      '    </testcase>',
    ];
  }
  return [
    `    <testcase ${attributes}>`,
    ...role.findings.map((finding) => {
      const details = [
        finding.message,
        ...(role.arn !== undefined ? [`Role: ${role.arn}`] : []),
        ...(finding.neededBy && finding.neededBy.length > 0
          ? [`Needed by: ${finding.neededBy.map((consumer) => consumer.name).join(', ')}`]
          : []),
      ].join('\n');
      return `      <failure type="${escapeXml(finding.id)}" message="${escapeXml(finding.message)}">${escapeXml(details, false)}</failure>`;
    }),
    '    </testcase>',
  ];
}

// XML 1.0 allows tab, LF, CR and characters from U+0020 on, except surrogates and U+FFFE/U+FFFF
// (https://www.w3.org/TR/xml/#charsets): anything else cannot be escaped, only replaced.
const NOT_XML =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text safe in XML content and in double- or single-quoted attributes. In attributes, line ends and tabs
 * become references: a parser would otherwise normalise them to spaces (https://www.w3.org/TR/xml/#AVNormalize).
 */
export function escapeXml(text: string, inAttribute = true): string {
  const escaped = text
    .replace(NOT_XML, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    // A raw CR would be read back as LF, in content too (https://www.w3.org/TR/xml/#sec-line-ends).
    .replace(/\r/g, '&#13;');
  return inAttribute ? escaped.replace(/\n/g, '&#10;').replace(/\t/g, '&#9;') : escaped;
}
