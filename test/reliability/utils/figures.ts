import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Where figures go; test/reliability/figures-reporter.js turns them into the table. */
const FIGURES_FILE = join('test-artifacts', 'reliability-figures.jsonl');

/** One line of the reliability table, measured by the run that records it. */
export function recordFigure(section: string, name: string, value: string | number): void {
  mkdirSync(dirname(FIGURES_FILE), { recursive: true });
  appendFileSync(FIGURES_FILE, `${JSON.stringify({ section, name, value: String(value) })}\n`);
}

export function ms(value: number): string {
  return `${Math.round(value)} ms`;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) {
    return 0;
  }
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
