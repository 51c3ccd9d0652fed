// Collects the figures the reliability specs record (test/reliability/utils/figures.ts) and, once
// the run ends, prints them as one table and writes it to test-artifacts/reliability.md.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const FIGURES_FILE = join('test-artifacts', 'reliability-figures.jsonl');
const TABLE_FILE = join('test-artifacts', 'reliability.md');
const SECTIONS = ['Auth abuse', 'Hostile bodies', 'Races', 'Faults', 'Several instances', 'Regexes'];

export default class FiguresReporter {
  onRunStart() {
    rmSync(FIGURES_FILE, { force: true });
  }

  onRunComplete(_contexts, results) {
    const figures = existsSync(FIGURES_FILE)
      ? readFileSync(FIGURES_FILE, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line, order) => ({ ...JSON.parse(line), order }))
      : [];
    const rank = (s) => (SECTIONS.includes(s) ? SECTIONS.indexOf(s) : SECTIONS.length);
    figures.sort((a, b) => rank(a.section) - rank(b.section) || a.order - b.order);
    const escape = (s) => String(s).replaceAll('|', '\\|');
    const lines = [
      `Reliability run of ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: ` +
        `${results.numPassedTests} passed, ${results.numFailedTests} failed ` +
        `(${Math.round((Date.now() - results.startTime) / 1000)} s).`,
      '',
      '| area | figure | value |',
      '|---|---|---|',
      ...figures.map((f) => `| ${escape(f.section)} | ${escape(f.name)} | ${escape(f.value)} |`),
    ];
    const table = `${lines.join('\n')}\n`;
    mkdirSync(dirname(TABLE_FILE), { recursive: true });
    writeFileSync(TABLE_FILE, table);
    process.stdout.write(`\n${table}\nWritten to ${TABLE_FILE}\n`);
  }
}
