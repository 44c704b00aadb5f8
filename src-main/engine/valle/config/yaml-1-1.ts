import { parseDocument, type ScalarTag, type Tags } from 'yaml';
import { StudioError } from '../../../../src-shared/api/errors.js';

/**
 * YAML as the reference reads it: PyYAML's `safe_load`, i.e. YAML 1.1 — `24_000` and `1_000_000` are integers,
 * `yes`/`on`/`True` are booleans, `None` is the string "None", `<<` merges, a repeated key keeps the last value.
 *
 * The `yaml` package's 1.1 schema matches PyYAML except that it also reads `y`/`Y`/`n`/`N` as booleans; those
 * tags are replaced by PyYAML's. One leniency remains on purpose: PyYAML reads `1e-4` (no dot) as a *string*,
 * which the reference then fails on much later; here it is the number 0.0001.
 */
const pyTrue: ScalarTag = {
  identify: (value) => value === true,
  default: true,
  tag: 'tag:yaml.org,2002:bool',
  test: /^(?:[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/,
  resolve: () => true,
};
const pyFalse: ScalarTag = {
  identify: (value) => value === false,
  default: true,
  tag: 'tag:yaml.org,2002:bool',
  test: /^(?:[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/,
  resolve: () => false,
};

function pyYamlTags(tags: Tags): Tags {
  return [...tags.filter((t) => (typeof t === 'string' ? t !== 'bool' : t.tag !== 'tag:yaml.org,2002:bool')), pyTrue, pyFalse];
}

/** Parse YAML text the way PyYAML's safe_load would; syntax errors become a StudioError naming line and column. */
export function parseYaml11(text: string, source = 'config'): unknown {
  const doc = parseDocument(text, { version: '1.1', customTags: pyYamlTags, merge: true, uniqueKeys: false, prettyErrors: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => {
      // prettyErrors appends " at line L, column C:" and a source excerpt to the message; keep the first line.
      const text = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      const at = e.linePos?.[0];
      return at ? `line ${at.line}, column ${at.col}: ${text}` : text;
    });
    throw new StudioError('invalid_input', `${source} is not valid YAML: ${problems.join('; ')}`, { file: source, errors: problems });
  }
  return doc.toJS({ maxAliasCount: 1000 });
}
