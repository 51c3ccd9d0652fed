import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { Outcome } from '../../reliability/utils/http.js';

/** One row of the topology run's table: a phase, what was sent through HAProxy, what came back. */
export interface PhaseFigure {
  phase: string;
  requests: number | string;
  statuses: string;
  /** Transport failures and 5xx answers; `-` where the phase sends nothing. */
  failed: number | string;
  notes: string;
}

const TABLE_FILE = join('test-artifacts', 'topology.md');
const DOCS_FILE = join('docs', 'topology.md');
const BEGIN = '<!-- topology figures: begin -->';
const END = '<!-- topology figures: end -->';

export const failedOf = (outcomes: Outcome[]): number =>
  outcomes.filter((o) => o.kind === 'failure' || o.status >= 500).length;

export class Figures {
  private readonly rows: PhaseFigure[] = [];
  private readonly startedAt = Date.now();
  /** The machine's 1-minute load average at the start: the figures depend on what else runs. */
  private readonly load = loadavg()[0];

  add(row: PhaseFigure): void {
    this.rows.push(row);
  }

  table(outcome: string): string {
    const escape = (s: number | string) => String(s).replaceAll('|', '\\|');
    return [
      `Topology run of ${new Date(this.startedAt).toISOString().slice(0, 16).replace('T', ' ')} UTC ` +
        `(\`npm run test:topology\`, ${Math.round((Date.now() - this.startedAt) / 1000)} s, load average ` +
        `${this.load.toFixed(1)} at the start): ${outcome}.`,
      '',
      '| phase | requests | statuses | failed | notes |',
      '|---|---|---|---|---|',
      ...this.rows.map(
        (r) =>
          `| ${escape(r.phase)} | ${escape(r.requests)} | ${escape(r.statuses)} | ${escape(r.failed)} | ${escape(r.notes)} |`,
      ),
      '',
    ].join('\n');
  }

  /**
   * Prints the table and writes it to test-artifacts/topology.md; with TOPOLOGY_WRITE_DOCS=1,
   * also between the markers of docs/topology.md.
   */
  write(outcome: string): void {
    const table = this.table(outcome);
    mkdirSync('test-artifacts', { recursive: true });
    writeFileSync(TABLE_FILE, table);
    process.stdout.write(`\n${table}\nWritten to ${TABLE_FILE}\n`);
    if (process.env.TOPOLOGY_WRITE_DOCS === '1' && existsSync(DOCS_FILE)) {
      const docs = readFileSync(DOCS_FILE, 'utf8');
      const [from, to] = [docs.indexOf(BEGIN), docs.indexOf(END)];
      if (from >= 0 && to > from) {
        writeFileSync(DOCS_FILE, `${docs.slice(0, from + BEGIN.length)}\n${table}${docs.slice(to)}`);
        process.stdout.write(`and to ${DOCS_FILE}\n`);
      }
    }
  }
}
