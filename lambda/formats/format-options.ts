import type { FormatName } from './format';
import { FORMAT_NAMES, FORMATS, isFormatName } from './registry';
import { AUTO_FORMAT, type LogFormat } from './routes';

/** The formats that take options. */
export function formatsWithOptions(): FormatName[] {
  return FORMAT_NAMES.filter((f) => FORMATS[f].options !== undefined);
}

/**
 * Checks format options as the user gave them (parsed JSON): with a single format, that format's
 * options (refused for a format that takes none); with `auto`, an object keyed by format name, each
 * checked by its format. Returns the options each format's `options.parse` made of them, and one
 * message per problem naming `where` (the env var or the definition's field) and the fix.
 *
 * @param context says what `format` came from, for messages (`LOG_FORMAT csv`, `format csv`)
 */
export function checkFormatOptions(
  raw: unknown,
  format: LogFormat,
  where: string,
  context: string,
): { readonly options: Partial<Record<FormatName, unknown>>; readonly problems: string[] } {
  const problems: string[] = [];
  const takers = formatsWithOptions();
  const options: Partial<Record<FormatName, unknown>> = {};
  const check = (of: FormatName, value: unknown, label: string): void => {
    const definition = FORMATS[of].options;
    if (definition === undefined) {
      problems.push(
        `${label} gives options to ${of}, which takes none (formats with options: ${takers.join(', ')}): remove ${format === AUTO_FORMAT ? 'that entry' : where}`,
      );
      return;
    }
    const result = definition.parse(value);
    if (result.problem !== undefined) problems.push(`${label}: ${result.problem}`);
    else if (result.options !== undefined) options[of] = result.options;
  };
  if (format !== AUTO_FORMAT) {
    check(format, raw, `${where} (${context})`);
  } else if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push(
      `${where} must be an object keyed by format name with ${context}, e.g. {"csv": {"delimiter": ";"}}`,
    );
  } else {
    for (const [of, value] of Object.entries(raw)) {
      if (!isFormatName(of)) {
        problems.push(
          `${where} names ${JSON.stringify(of)}, which is not a format; key it by format name (${takers.join(', ')})`,
        );
        continue;
      }
      check(of, value, `${where} ${of}`);
    }
  }
  return { options, problems };
}
