import type { z } from 'zod';
import { StudioError } from '../../../../src-shared/api/errors.js';

/** One problem in a config, located by its path (`models[0].experimental.foo`). */
export interface ConfigIssue {
  path: string;
  message: string;
}

/** Every problem found in a config at once, each on its own line; `details.issues` carries them as data. */
export class ConfigError extends StudioError {
  readonly issues: ConfigIssue[];

  constructor(source: string, issues: ConfigIssue[]) {
    const lines = issues.map((i) => `  ${i.path}: ${i.message}`).join('\n');
    super('invalid_input', `${source} has ${issues.length === 1 ? 'an error' : `${issues.length} errors`}:\n${lines}`, { file: source, issues });
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** `['models', 0, 'experimental', 'foo']` → `models[0].experimental.foo`. */
export function formatPath(path: ReadonlyArray<PropertyKey>, prefix = ''): string {
  let out = prefix;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(top level)' : out;
}

const EXPECTED: Record<string, string> = {
  int: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  array: 'a list',
  tuple: 'a list',
  object: 'a mapping',
  record: 'a mapping',
};

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return 'a date';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}

/** zod issues → path-located messages; an unknown-keys issue becomes one entry per key. */
export function toConfigIssues(issues: ReadonlyArray<z.core.$ZodIssue>, prefix = ''): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of issues) {
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) out.push({ path: formatPath([...issue.path, key], prefix), message: 'unknown key' });
        break;
      case 'invalid_type': {
        const got = 'input' in issue ? describe(issue.input) : 'nothing';
        const expected = EXPECTED[issue.expected] ?? issue.expected;
        out.push({ path: formatPath(issue.path, prefix), message: `expected ${expected}, got ${got}` });
        break;
      }
      case 'invalid_value':
        out.push({
          path: formatPath(issue.path, prefix),
          message: `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describe(issue.input)}`,
        });
        break;
      case 'invalid_union':
        out.push({ path: formatPath(issue.path, prefix), message: `${issue.message}, got ${describe(issue.input)}` });
        break;
      default:
        out.push({ path: formatPath(issue.path, prefix), message: 'input' in issue && issue.input !== undefined ? `${issue.message}, got ${describe(issue.input)}` : issue.message });
    }
  }
  return out;
}
