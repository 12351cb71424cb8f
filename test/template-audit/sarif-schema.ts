/**
 * The required properties and value constraints of the SARIF 2.1.0 JSON schema
 * (https://docs.oasis-open.org/sarif/sarif/v2.1.0/os/schemas/sarif-schema-2.1.0.json) for the objects the
 * writer emits, checked by hand (no network, no validator dependency). Returns every violation with its path.
 */
export function sarifProblems(log: unknown): string[] {
  const problems: string[] = [];
  const problem = (path: string, text: string) => problems.push(`${path}: ${text}`);
  const isObject = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value);
  const object = (value: unknown, path: string): Record<string, unknown> => {
    if (!isObject(value)) {
      problem(path, 'expected an object');
      return {};
    }
    return value;
  };
  const required = (value: Record<string, unknown>, path: string, ...names: string[]) => {
    for (const name of names) if (!(name in value)) problem(path, `missing required ${name}`);
  };
  const array = (value: unknown, path: string): unknown[] => {
    if (!Array.isArray(value)) {
      problem(path, 'expected an array');
      return [];
    }
    return value;
  };
  const integerAtLeast = (value: unknown, minimum: number, path: string) => {
    if (value !== undefined && (!Number.isInteger(value) || (value as number) < minimum)) {
      problem(path, `expected an integer >= ${minimum}`);
    }
  };
  // message / multiformatMessageString: text is required (message also allows id).
  const message = (value: unknown, path: string, allowId: boolean) => {
    const text = object(value, path);
    if (typeof text['text'] !== 'string' && !(allowId && typeof text['id'] === 'string')) {
      problem(path, 'missing required text');
    }
  };
  const location = (value: unknown, path: string) => {
    const entry = object(value, path);
    integerAtLeast(entry['id'], -1, `${path}.id`);
    if (entry['message'] !== undefined) message(entry['message'], `${path}.message`, true);
    if (entry['physicalLocation'] !== undefined) {
      const physical = object(entry['physicalLocation'], `${path}.physicalLocation`);
      if (!('artifactLocation' in physical) && !('address' in physical)) {
        problem(`${path}.physicalLocation`, 'needs artifactLocation or address');
      }
      if (physical['artifactLocation'] !== undefined) {
        const uri = object(physical['artifactLocation'], `${path}.physicalLocation.artifactLocation`)['uri'];
        // format: uri-reference (RFC 3986): no spaces, backslashes or other characters needing escapes.
        if (uri !== undefined && (typeof uri !== 'string' || /[\s\\<>"{}|^`]/.test(uri))) {
          problem(`${path}.physicalLocation.artifactLocation.uri`, 'expected a URI reference');
        }
      }
      if (physical['region'] !== undefined) {
        const region = object(physical['region'], `${path}.physicalLocation.region`);
        integerAtLeast(region['startLine'], 1, `${path}.physicalLocation.region.startLine`);
      }
    }
    if (entry['logicalLocations'] !== undefined) {
      array(entry['logicalLocations'], `${path}.logicalLocations`).forEach((logical, index) =>
        object(logical, `${path}.logicalLocations[${index}]`),
      );
    }
  };

  const top = object(log, '$');
  required(top, '$', 'version', 'runs');
  if (top['version'] !== '2.1.0') problem('$.version', 'expected "2.1.0"');
  array(top['runs'], '$.runs').forEach((runValue, runIndex) => {
    const runPath = `$.runs[${runIndex}]`;
    const run = object(runValue, runPath);
    required(run, runPath, 'tool');
    const tool = object(run['tool'], `${runPath}.tool`);
    required(tool, `${runPath}.tool`, 'driver');
    const driver = object(tool['driver'], `${runPath}.tool.driver`);
    required(driver, `${runPath}.tool.driver`, 'name');
    const rules = driver['rules'] === undefined ? [] : array(driver['rules'], `${runPath}.tool.driver.rules`);
    rules.forEach((ruleValue, index) => {
      const path = `${runPath}.tool.driver.rules[${index}]`;
      const rule = object(ruleValue, path);
      required(rule, path, 'id');
      for (const name of ['shortDescription', 'fullDescription', 'help']) {
        if (rule[name] !== undefined) message(rule[name], `${path}.${name}`, false);
      }
    });
    const results = run['results'] === undefined ? [] : array(run['results'], `${runPath}.results`);
    results.forEach((resultValue, index) => {
      const path = `${runPath}.results[${index}]`;
      const result = object(resultValue, path);
      required(result, path, 'message');
      message(result['message'], `${path}.message`, true);
      integerAtLeast(result['ruleIndex'], -1, `${path}.ruleIndex`);
      if (
        result['level'] !== undefined &&
        !['none', 'note', 'warning', 'error'].includes(result['level'] as string)
      ) {
        problem(`${path}.level`, 'expected none, note, warning or error');
      }
      if (typeof result['ruleIndex'] === 'number' && result['ruleIndex'] >= 0) {
        const rule = rules[result['ruleIndex']] as Record<string, unknown> | undefined;
        if (rule?.['id'] !== result['ruleId'])
          problem(`${path}.ruleIndex`, 'does not point at the rule named by ruleId');
      }
      for (const key of ['locations', 'relatedLocations']) {
        if (result[key] !== undefined) {
          array(result[key], `${path}.${key}`).forEach((entry, entryIndex) =>
            location(entry, `${path}.${key}[${entryIndex}]`),
          );
        }
      }
      if (result['partialFingerprints'] !== undefined) {
        for (const [key, value] of Object.entries(
          object(result['partialFingerprints'], `${path}.partialFingerprints`),
        )) {
          if (typeof value !== 'string') problem(`${path}.partialFingerprints.${key}`, 'expected a string');
        }
      }
    });
  });
  return problems;
}
