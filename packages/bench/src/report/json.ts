const LINE_WIDTH = 100;
const INDENT = '  ';

function isPrimitive(value: unknown): boolean {
  return value === null || typeof value !== 'object';
}

/**
 * Numbers as many to a line as fit in 100 columns (each line but the last ends with a comma), as
 * the formatter fills arrays of numbers.
 */
function fill(numbers: readonly number[], indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const [index, item] of numbers.entries()) {
    const text = `${JSON.stringify(item)}${index < numbers.length - 1 ? ',' : ''}`;
    const candidate = line === '' ? text : `${line} ${text}`;
    if (line !== '' && indent.length + candidate.length > LINE_WIDTH) {
      lines.push(`${indent}${line}`);
      line = text;
    } else {
      line = candidate;
    }
  }
  lines.push(`${indent}${line}`);
  return lines.join('\n');
}

/**
 * JSON laid out as the repository's formatter (Biome) lays it out: objects one key per line,
 * arrays of plain values on one line when that line fits in 100 columns, else numbers filled
 * line by line and other values one per line.
 *
 * @param prefix - What precedes the value on its line (indent and key), for the width check.
 */
function layout(value: unknown, depth: number, prefix: number, suffix: number): string {
  if (isPrimitive(value)) {
    return JSON.stringify(value) ?? 'null';
  }
  const inner = INDENT.repeat(depth + 1);
  const outer = INDENT.repeat(depth);
  if (Array.isArray(value)) {
    if (value.length === 0) {
      return '[]';
    }
    if (value.every(isPrimitive)) {
      const oneLine = `[${value.map((item) => JSON.stringify(item) ?? 'null').join(', ')}]`;
      if (prefix + oneLine.length + suffix <= LINE_WIDTH) {
        return oneLine;
      }
      if (value.every((item) => typeof item === 'number')) {
        return `[\n${fill(value as number[], inner)}\n${outer}]`;
      }
    }
    const items = value.map(
      (item, index) =>
        `${inner}${layout(item, depth + 1, inner.length, index < value.length - 1 ? 1 : 0)}`,
    );
    return `[\n${items.join(',\n')}\n${outer}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(
    ([, item]) => item !== undefined,
  );
  if (entries.length === 0) {
    return '{}';
  }
  const lines = entries.map(([key, item], index) => {
    const head = `${inner}${JSON.stringify(key)}: `;
    return `${head}${layout(item, depth + 1, head.length, index < entries.length - 1 ? 1 : 0)}`;
  });
  return `{\n${lines.join(',\n')}\n${outer}}`;
}

/** `value` as formatted JSON text, with a final newline. */
export function formatJson(value: unknown): string {
  return `${layout(value, 0, 0, 0)}\n`;
}
