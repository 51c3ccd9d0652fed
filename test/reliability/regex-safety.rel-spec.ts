import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { recordFigure } from './utils/figures.js';

/**
 * Every regular expression in src/ against long adversarial inputs: catastrophic backtracking
 * turns one request into minutes of CPU. The regexes
 * are found in the source itself (literals, and `new RegExp(...)` of a string constant), so a
 * new one is checked without anyone listing it. Each is run on inputs that pump one or two
 * characters up to 6,000+ characters, with endings that make a match fail late; the input
 * doubles from 16 characters, so an exponential pattern fails fast instead of hanging.
 */

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');
const TARGET_LENGTH = 6000;
/** Generous: a linear pattern takes well under a millisecond on 6,000 characters. */
const BOUND_MS = 100;

interface Found {
  file: string;
  line: number;
  regex: RegExp;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      return sourceFiles(path);
    }
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** The text of a string expression, following `const X = '...'` and String.raw`...` in the same file. */
function stringValue(node: ts.Expression, file: ts.SourceFile): string | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
    return node.text;
  }
  if (ts.isTaggedTemplateExpression(node) && node.tag.getText(file) === 'String.raw') {
    return ts.isNoSubstitutionTemplateLiteral(node.template) ? node.template.rawText : undefined;
  }
  if (ts.isIdentifier(node)) {
    let value: string | undefined;
    const visit = (n: ts.Node) => {
      if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === node.text && n.initializer) {
        value = stringValue(n.initializer, file);
      }
      ts.forEachChild(n, visit);
    };
    visit(file);
    return value;
  }
  return undefined;
}

function findRegexes(): { found: Found[]; unresolved: string[] } {
  const found: Found[] = [];
  const unresolved: string[] = [];
  for (const path of sourceFiles(SRC)) {
    const file = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
    const at = (n: ts.Node) => ({
      file: relative(join(SRC, '..'), path),
      line: file.getLineAndCharacterOfPosition(n.getStart(file)).line + 1,
    });
    const visit = (n: ts.Node) => {
      if (n.kind === ts.SyntaxKind.RegularExpressionLiteral) {
        const text = n.getText(file);
        const end = text.lastIndexOf('/');
        found.push({ ...at(n), regex: new RegExp(text.slice(1, end), text.slice(end + 1)) });
      } else if (
        (ts.isNewExpression(n) || ts.isCallExpression(n)) &&
        ts.isIdentifier(n.expression) &&
        n.expression.text === 'RegExp'
      ) {
        const [pattern, flags] = n.arguments ?? [];
        const source = pattern && stringValue(pattern, file);
        const flagText = flags ? stringValue(flags, file) : '';
        if (source === undefined || flagText === undefined) {
          unresolved.push(`${at(n).file}:${at(n).line}: ${n.getText(file)}`);
        } else {
          found.push({ ...at(n), regex: new RegExp(source, flagText) });
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(file);
  }
  return { found, unresolved };
}

/** The literal text a pattern starts with after `^` (e.g. `v1:`), so pumps get past it. */
function literalPrefix(source: string): string {
  const match = /^\^((?:[A-Za-z0-9:"'@_-]|\\[./:-])*)/.exec(source);
  return match ? match[1].replace(/\\/g, '') : '';
}

const CORE = ['a', 'A', '0', '9', '.', '-', '_', '@', ' ', ':', '/', '"', "'", '+', '%', '\\', 'é', '\u0000', 'T', 'Z'];
const ENDINGS = ['', '!', '\u0000', '@', '\n'];

function pumpsFor(regex: RegExp): string[] {
  const own = [...new Set(regex.source.replace(/\\[dDwWsSbB]/g, '').split(''))].filter((c) => c.trim() !== '');
  const singles = [...new Set([...CORE, ...own])];
  const pairs = CORE.slice(0, 10).flatMap((a) =>
    CORE.slice(0, 10)
      .filter((b) => b !== a)
      .map((b) => a + b),
  );
  return [...singles, ...pairs];
}

interface Worst {
  ms: number;
  input: string;
}

/** Runs the pattern on ever longer inputs; stops early once an input takes longer than the bound. */
function worstCase(regex: RegExp): { worst: Worst; tried: number } {
  const probe = new RegExp(regex.source, regex.flags.replace(/[gy]/g, ''));
  const prefix = literalPrefix(regex.source);
  let worst: Worst = { ms: 0, input: '' };
  let tried = 0;
  for (const pump of pumpsFor(regex)) {
    for (const ending of ENDINGS) {
      for (let n = 16; ; n *= 2) {
        const input = prefix + pump.repeat(Math.ceil(n / pump.length)) + ending;
        // the best of three, so a GC pause or a busy core is not taken for backtracking
        let elapsed = Infinity;
        for (let run = 0; run < 3 && elapsed > BOUND_MS; run++) {
          const started = performance.now();
          probe.exec(input);
          elapsed = Math.min(elapsed, performance.now() - started);
        }
        tried++;
        if (elapsed > worst.ms) {
          worst = { ms: elapsed, input };
        }
        if (elapsed > BOUND_MS || input.length >= TARGET_LENGTH) {
          break;
        }
      }
    }
  }
  return { worst, tried };
}

const describeInput = (input: string) =>
  `${input.length} characters: ${JSON.stringify(input.slice(0, 12))}…${JSON.stringify(input.slice(-4))}`;

/**
 * A pattern built at load time from other constants (`new RegExp(\`^${A}|${B}$\`)`) cannot be
 * read from the source: its module is loaded and what it exports is taken instead, every
 * RegExp and every `*_PATTERN_SOURCE` string. An entry stays unresolved unless its module
 * exports at least one.
 */
async function resolveBuilt(unresolved: string[], found: Found[]): Promise<string[]> {
  const left: string[] = [];
  const byFile = new Map<string, string[]>();
  for (const entry of unresolved) {
    const file = entry.slice(0, entry.indexOf(':'));
    byFile.set(file, [...(byFile.get(file) ?? []), entry]);
  }
  for (const [file, entries] of byFile) {
    const module = (await import(join(SRC, '..', file))) as Record<string, unknown>;
    const built = Object.entries(module).flatMap(([name, value]) =>
      value instanceof RegExp
        ? [value]
        : typeof value === 'string' && name.endsWith('PATTERN_SOURCE')
          ? [new RegExp(value)]
          : [],
    );
    found.push(...built.map((regex) => ({ file, line: 0, regex })));
    if (built.length === 0) {
      left.push(...entries);
    }
  }
  return left;
}

describe('regular expressions in src/', () => {
  const { found, unresolved: unread } = findRegexes();
  let unresolved: string[] = unread;

  beforeAll(async () => {
    unresolved = await resolveBuilt(unread, found);
  });

  it('finds them all, including the ones built from strings', () => {
    expect(unresolved).toEqual([]);
    expect(found.length).toBeGreaterThan(10);
    expect(found.some((f) => f.regex.source.includes('[A-Za-z0-9_+-]@'))).toBe(true); // the seed's email pattern
  });

  it(`answers within ${BOUND_MS} ms on adversarial inputs of ${TARGET_LENGTH}+ characters (no catastrophic backtracking)`, () => {
    const slow: string[] = [];
    let tried = 0;
    let slowest: (Found & Worst) | undefined;
    for (const f of found) {
      const result = worstCase(f.regex);
      tried += result.tried;
      if (!slowest || result.worst.ms > slowest.ms) {
        slowest = { ...f, ...result.worst };
      }
      if (result.worst.ms > BOUND_MS) {
        slow.push(
          `${f.file}:${f.line} ${f.regex} took ${Math.round(result.worst.ms)} ms on ${describeInput(result.worst.input)}`,
        );
      }
    }
    if (process.env.RELIABILITY_RUN) {
      recordFigure(
        'Regexes',
        'regexes in src/ checked (found in the source) / slower than the bound',
        `${found.length} / ${slow.length}`,
      );
      recordFigure('Regexes', `adversarial inputs tried (up to ${TARGET_LENGTH}+ characters)`, tried);
      recordFigure(
        'Regexes',
        'slowest answer',
        slowest
          ? `${slowest.ms.toFixed(2)} ms: ${slowest.file}:${slowest.line} on ${describeInput(slowest.input)}`
          : '-',
      );
    }
    expect(slow).toEqual([]);
  });
});
