import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadConfig } from './config.js';
import { isPublishedSecret, PUBLISHED_SECRET_VALUES, SECRET_VARIABLES } from './published-secrets.js';

const ROOT = process.cwd();

function filesUnder(dir: string, keep: (path: string) => boolean): string[] {
  if (!existsSync(dir)) {
    return [];
  }
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      return name === 'node_modules' ? [] : filesUnder(path, keep);
    }
    return keep(path) ? [path] : [];
  });
}

/** Where the repository shows configuration to its users. */
const CONFIGURATION_FILES = [
  ...['.env.example', 'docker-compose.yml', 'Dockerfile', 'README.md'].map((f) => join(ROOT, f)),
  ...filesUnder(join(ROOT, 'docs'), (p) => p.endsWith('.md')),
  ...filesUnder(join(ROOT, 'deploy'), () => true),
].filter((p) => existsSync(p));

const SOURCE_FILES = filesUnder(join(ROOT, 'src'), (p) => p.endsWith('.ts') && !p.endsWith('.spec.ts'));

const variable = `(?:${SECRET_VARIABLES.join('|')})`;
const VALUE = `("[^"\\n]*"|'[^'\\n]*'|[^\\s]*)`;
/** `NAME=value` anywhere (env files, shell lines), `NAME: value` as a whole YAML line: the value as written. */
const ASSIGNMENT = new RegExp(
  `\\b(${variable})(?![A-Z_])[ \\t]*=[ \\t]*${VALUE}|^[ \\t]*-?[ \\t]*(${variable}):[ \\t]*${VALUE}[ \\t]*$`,
  'gm',
);
/** A shell or compose fallback, `${NAME:-value}` or `${NAME-value}`. */
const FALLBACK = new RegExp(`\\$\\{(${variable}):?-([^}]+)\\}`, 'g');

interface Found {
  where: string;
  variable: string;
  value: string;
}

/** Literal secret values in configuration files; references (`$VAR`, `${VAR:?…}`, `$(openssl …)`) are not values. */
function literalSecrets(text: string, where: string): Found[] {
  const found: Found[] = [];
  for (const [, envName, envRaw, yamlName, yamlRaw] of text.matchAll(ASSIGNMENT)) {
    const name = envName ?? yamlName;
    const value = (envRaw ?? yamlRaw).replace(/^(["'])(.*)\1$/, '$2').trim();
    if (value !== '' && !value.startsWith('$') && !value.startsWith('<') && value !== '...' && value !== '…') {
      found.push({ where, variable: name, value });
    }
  }
  for (const [, name, value] of text.matchAll(FALLBACK)) {
    found.push({ where: `${where} (fallback)`, variable: name, value });
  }
  return found;
}

/** String constants of the source whose name says they hold a secret or a development default. */
function sourceSecrets(path: string): Found[] {
  const text = readFileSync(path, 'utf8');
  return [
    ...text.matchAll(
      /\b(DEV_[A-Z0-9_]*(?:SECRET|KEY)[A-Z0-9_]*|[A-Z0-9_]*SECRET[A-Z0-9_]*)\s*(?::\s*string\s*)?=\s*'([^']+)'/g,
    ),
  ].map(([, name, value]) => ({ where: relative(ROOT, path), variable: name, value }));
}

describe('published secrets', () => {
  it('scans the configuration files users copy from', () => {
    expect(CONFIGURATION_FILES.map((p) => relative(ROOT, p))).toEqual(
      expect.arrayContaining(['.env.example', 'docker-compose.yml', 'README.md', 'docs/production.md']),
    );
  });

  it('lists every literal secret value the configuration files show', () => {
    const unlisted = CONFIGURATION_FILES.flatMap((p) =>
      literalSecrets(readFileSync(p, 'utf8'), relative(ROOT, p)),
    ).filter((f) => !isPublishedSecret(f.value));
    expect(unlisted).toEqual([]);
  });

  it('lists every development default and secret constant of the source', () => {
    const found = SOURCE_FILES.flatMap(sourceSecrets);
    expect(found.map((f) => f.variable)).toEqual(
      expect.arrayContaining(['DEV_AUTH_JWT_SECRET', 'DEV_SESSION_JWT_SECRET', 'DEV_MAIL_SECRET_KEY']),
    );
    expect(found.filter((f) => !isPublishedSecret(f.value))).toEqual([]);
  });

  it('finds the values it must, so an unlisted example would be caught', () => {
    const text = [
      'AUTH_JWT_SECRET=an-example-someone-might-paste-0123456789 node dist/main.js',
      'environment:',
      '  SESSION_JWT_SECRET: ${SESSION_JWT_SECRET:-a-compose-fallback-0123456789abcdef}',
      '  MAIL_SECRET_KEY: "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"',
      'MAIL_SECRET_KEY_PREVIOUS=$(openssl rand -hex 32) AUTH_JWT_SECRET=${AUTH_JWT_SECRET:?set it}',
      'SESSION_JWT_SECRET=<64 hex characters>',
    ].join('\n');
    expect(literalSecrets(text, 'probe').map((f) => [f.variable, f.value])).toEqual([
      ['AUTH_JWT_SECRET', 'an-example-someone-might-paste-0123456789'],
      ['MAIL_SECRET_KEY', '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff'],
      ['SESSION_JWT_SECRET', 'a-compose-fallback-0123456789abcdef'],
    ]);
  });

  it('leaves no fallback secret in docker-compose.yml: compose stops with a message when one is not set', () => {
    const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
    expect([...compose.matchAll(FALLBACK)]).toEqual([]);
    for (const name of ['AUTH_JWT_SECRET', 'SESSION_JWT_SECRET', 'MAIL_SECRET_KEY', 'INVITATION_ACCEPT_URL']) {
      expect(compose).toMatch(new RegExp(`${name}: \\$\\{${name}:\\?[^}]+\\}`));
    }
  });

  it('are each refused by a production start', () => {
    const base = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://db.internal/app',
      SMTP_URL: 'smtp://mail.internal',
      INVITATION_ACCEPT_URL: 'https://app.example.com/accept?token={token}',
      AUTH_JWT_SECRET: 'b'.repeat(40),
      SESSION_JWT_SECRET: 's'.repeat(40),
      MAIL_SECRET_KEY: 'ab'.repeat(32),
    };
    for (const value of PUBLISHED_SECRET_VALUES) {
      for (const name of ['AUTH_JWT_SECRET', 'SESSION_JWT_SECRET', 'MAIL_SECRET_KEY'] as const) {
        expect(() => loadConfig({ ...base, [name]: value })).toThrow(new RegExp(`^${name}: `, 'm'));
      }
    }
  });
});
