/** One problem found in an input file: where it is and what was expected. */
export interface InputIssue {
  file: string;
  line?: number;
  field?: string;
  message: string;
}

export function formatIssue(i: InputIssue): string {
  const where = [i.file, i.line !== undefined ? `line ${i.line}` : undefined, i.field ? `field ${i.field}` : undefined]
    .filter(Boolean)
    .join(', ');
  return `${where}: ${i.message}`;
}

/** An import refused because its input is wrong. Nothing was written. */
export class ImportError extends Error {
  override name = 'ImportError';
  constructor(readonly issues: InputIssue[]) {
    super(ImportError.summary(issues));
  }
  static summary(issues: InputIssue[], max = 20): string {
    const head = issues.slice(0, max).map(formatIssue);
    const more = issues.length > max ? [`… and ${issues.length - max} more problems`] : [];
    return [`${issues.length} problem(s) in the input, nothing was imported:`, ...head, ...more].join('\n  ');
  }
}

/** Collects issues while parsing; throws them all at once. */
export class IssueList {
  readonly items: InputIssue[] = [];
  constructor(readonly file: string) {}
  add(message: string, line?: number, field?: string): void {
    this.items.push({ file: this.file, line, field, message });
  }
  throwIfAny(): void {
    if (this.items.length) throw new ImportError(this.items);
  }
}
