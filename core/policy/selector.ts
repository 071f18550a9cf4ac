/**
 * metav1.LabelSelector: parsing (with Kubernetes' key/value syntax) and
 * matching. An empty selector is rejected by the parser: an AgentPolicy must
 * say which pods it is about.
 */
import type { LabelSelector, SelectorRequirement } from './model.js';
import { SELECTOR_OPERATORS } from './model.js';
import type { Reader } from './reader.js';

const NAME = '[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?';
export const LABEL_KEY_RE = new RegExp(`^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?${NAME}$`);
export const LABEL_VALUE_RE = new RegExp(`^(${NAME})?$`);
export const NAMESPACE_RE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function labelValue(r: Reader): string {
  if (r.value === '') return '';
  return r.matching(LABEL_VALUE_RE, 'a valid label value', 63);
}

function requirement(r: Reader): SelectorRequirement {
  r.object(['key', 'operator', 'values']);
  const key = r.field('key').matching(LABEL_KEY_RE, 'a valid label key', 317);
  const operator = r.field('operator').oneOf(SELECTOR_OPERATORS);
  const valuesReader = r.field('values');
  const values = valuesReader.optArray(64).map(labelValue);
  const needsValues = operator === 'In' || operator === 'NotIn';
  if (needsValues && values.length === 0) valuesReader.fail(`operator ${operator} needs at least one value`);
  if (!needsValues && values.length > 0) valuesReader.fail(`operator ${operator} takes no values`);
  return { key, operator, values };
}

export function parseSelector(r: Reader): LabelSelector {
  r.object(['matchLabels', 'matchExpressions']);
  const labels = r.field('matchLabels');
  const matchLabels: Record<string, string> = {};
  if (!labels.isAbsent()) {
    for (const [key, value] of labels.entries()) {
      if (!LABEL_KEY_RE.test(key)) value.fail(`"${key}" is not a valid label key`);
      matchLabels[key] = labelValue(value);
    }
  }
  const matchExpressions = r.field('matchExpressions').optArray(32).map(requirement);
  if (Object.keys(matchLabels).length === 0 && matchExpressions.length === 0) {
    r.fail('must have at least one matchLabels entry or matchExpressions term (an empty selector would select every pod)');
  }
  return { matchLabels, matchExpressions };
}

export function selectorMatches(sel: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  const has = (k: string): boolean => Object.prototype.hasOwnProperty.call(labels, k);
  for (const [k, v] of Object.entries(sel.matchLabels)) {
    if (!has(k) || labels[k] !== v) return false;
  }
  return sel.matchExpressions.every((e) => {
    const present = has(e.key);
    const value = labels[e.key] ?? '';
    switch (e.operator) {
      case 'In':
        return present && e.values.includes(value);
      case 'NotIn':
        return !present || !e.values.includes(value);
      case 'Exists':
        return present;
      case 'DoesNotExist':
        return !present;
    }
  });
}

export function formatSelector(sel: LabelSelector): string {
  const parts = Object.entries(sel.matchLabels).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions) {
    if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
    else parts.push(`${e.key} ${e.operator === 'In' ? 'in' : 'notin'} (${e.values.join(',')})`);
  }
  return parts.join(',');
}
