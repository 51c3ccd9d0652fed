/**
 * Summarises a .cpuprofile of the service (`npm run bench -- --profile` writes them to
 * var/bench/profile/): CPU by package, inclusive and self, and the heaviest functions, with
 * the bundle's frames mapped back to their packages through dist/bundle/main.js.map.
 *
 *   node bench/profile-summary.mjs var/bench/profile/service-1.cpuprofile [--skip 5] [--requests 4000] [--top 30]
 *
 * --skip drops the first seconds (the start); --requests turns totals into ms per request.
 * "self, charged to the caller" charges Node's own and native frames (a socket write, a
 * hash) to the nearest JavaScript frame above them, so each package's row says what its
 * code costs, syscalls included. Inclusive rows overlap (a middleware that calls next()
 * includes everything after it).
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    skip: { type: 'string', default: '0' },
    requests: { type: 'string', default: '0' },
    top: { type: 'string', default: '30' },
  },
});
if (positionals.length !== 1) {
  throw new Error('usage: node bench/profile-summary.mjs <file.cpuprofile> [--skip s] [--requests n] [--top n]');
}
const profile = JSON.parse(readFileSync(positionals[0], 'utf8'));
const requests = Number(args.requests);
const top = Number(args.top);

const maps = new Map();
function sourceMapOf(url) {
  if (!maps.has(url)) {
    let map = null;
    try {
      const path = `${fileURLToPath(url)}.map`;
      if (existsSync(path)) {
        map = new SourceMap(JSON.parse(readFileSync(path, 'utf8')));
      }
    } catch {
      // not a file URL, or no map: the frame keeps its own location
    }
    maps.set(url, map);
  }
  return maps.get(url);
}

function packageOf(path) {
  const i = path.lastIndexOf('node_modules/');
  if (i >= 0) {
    const [scope, name] = path.slice(i + 'node_modules/'.length).split('/');
    return scope.startsWith('@') ? `${scope}/${name}` : scope;
  }
  const j = path.lastIndexOf('/src/');
  return j >= 0 ? `app:${path.slice(j + 5).split('/')[0]}` : path;
}

const SPECIAL = new Set(['(garbage collector)', '(idle)', '(program)', '(root)']);
const frames = new Map();
const parent = new Map();
for (const node of profile.nodes) {
  for (const child of node.children ?? []) {
    parent.set(child, node.id);
  }
  const { url, functionName, lineNumber, columnNumber } = node.callFrame;
  const name = functionName || '(anonymous)';
  let source = url;
  let line = lineNumber;
  let unmapped = false;
  const map = url ? sourceMapOf(url) : null;
  if (map && line >= 0) {
    const entry = map.findEntry(line, columnNumber);
    if (entry?.originalSource) {
      source = entry.originalSource;
      line = entry.originalLine;
    } else {
      unmapped = true;
    }
  }
  let pkg;
  if (!url) {
    pkg = SPECIAL.has(name) ? name : '(native)';
  } else if (unmapped) {
    // the bundle's own helpers (keepNames' __name, the __export getters)
    pkg = '(bundle helpers)';
  } else if (source.startsWith('node:')) {
    pkg = '(node)';
  } else {
    // a package outside the bundle maps to its own sources: its URL names the package
    pkg = url.includes('node_modules/') ? packageOf(url) : packageOf(source);
  }
  frames.set(node.id, { pkg, fn: `${name} ${source.split('node_modules/').pop()}:${line + 1}` });
}

const add = (m, k, v) => m.set(k, (m.get(k) ?? 0) + v);
const inclusive = new Map();
const charged = new Map();
const chargedFn = new Map();
const selfFn = new Map();
let busy = 0;
let idle = 0;
let t = profile.startTime;
const from = profile.startTime + Number(args.skip) * 1e6;
for (let i = 0; i < profile.samples.length; i++) {
  t += profile.timeDeltas[i];
  const dt = profile.timeDeltas[i + 1] ?? 0;
  if (t < from) {
    continue;
  }
  const id = profile.samples[i];
  const leaf = frames.get(id);
  if (leaf.pkg === '(idle)') {
    idle += dt;
    continue;
  }
  busy += dt;
  add(selfFn, leaf.fn, dt);
  const seen = new Set();
  let caller;
  for (let n = id; n !== undefined; n = parent.get(n)) {
    const f = frames.get(n);
    seen.add(f.pkg);
    if (!caller && f.pkg !== '(node)' && f.pkg !== '(native)') {
      caller = f;
    }
  }
  for (const pkg of seen) {
    add(inclusive, pkg, dt);
  }
  add(charged, (caller ?? leaf).pkg, dt);
  add(chargedFn, (caller ?? leaf).fn, dt);
}

const say = (line = '') => process.stdout.write(`${line}\n`);
function table(title, m) {
  say();
  say(`${title}: ms${requests ? ', ms per request' : ''}, % of busy`);
  for (const [key, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    const perRequest = requests ? (us / 1000 / requests).toFixed(3).padStart(8) : '';
    say(`${(us / 1000).toFixed(0).padStart(8)}${perRequest} ${((100 * us) / busy).toFixed(1).padStart(6)}%  ${key}`);
  }
}
say(`busy ${(busy / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s`);
table('inclusive by package', inclusive);
table('self by package, Node and native frames charged to their JavaScript caller', charged);
table('self by function, charged the same way', chargedFn);
table('self by function', selfFn);
