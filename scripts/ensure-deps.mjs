// Runs before `npm start` and `npm test`: installs npm dependencies and generates the Prisma client
// when they are missing or stale. Plain Node, no dependencies, because it runs before any exist.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const fingerprint = (...files) => {
  const hash = createHash('sha256');
  for (const file of files) hash.update(readFileSync(join(root, file)));
  return hash.digest('hex');
};
const stampMatches = (stampFile, value) => existsSync(stampFile) && readFileSync(stampFile, 'utf8') === value;
const run = (command, args, env = {}) => {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.status !== 0) {
    console.error(`[setup] '${command} ${args.join(' ')}' failed (exit ${result.status ?? result.signal}).`);
    process.exit(1);
  }
};

/**
 * The Node.js the project runs on (package.json's optional `node-<platform>-<arch>`, an LTS still
 * supported), for this machine. npm scripts find it first on PATH (node_modules/.bin/node); where the
 * system's Node is older, the install itself runs on a copy of it fetched first, so every package's
 * engine requirement is checked against the Node that will run it.
 */
const runtimePackage = () => {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const name = `node-${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}`;
  const version = manifest.optionalDependencies?.[name];
  return version ? { name, version, major: Number(version.split('.')[0]) } : undefined;
};
const runtime = runtimePackage();

/** A copy of the runtime for running the install, in .data/tools (fetched once). */
function bootstrapRuntime() {
  const prefix = join(root, '.data', 'tools', `${runtime.name}-${runtime.version}`);
  const bin = join(prefix, 'node_modules', runtime.name, 'bin');
  if (!existsSync(join(bin, 'node'))) {
    console.log(`[setup] fetching Node.js ${runtime.version} (this system's is ${process.version}) to install with`);
    mkdirSync(prefix, { recursive: true });
    run('npm', [
      'install',
      '--prefix',
      prefix,
      '--no-save',
      '--no-package-lock',
      '--no-audit',
      '--no-fund',
      `${runtime.name}@${runtime.version}`,
    ]);
  }
  return bin;
}

const depsStamp = join(root, 'node_modules', '.housing-governance-deps');
if (!stampMatches(depsStamp, fingerprint('package.json', 'package-lock.json'))) {
  const olderNode = runtime && Number(process.versions.node.split('.')[0]) < runtime.major;
  const onRuntime = olderNode ? { PATH: `${bootstrapRuntime()}${delimiter}${process.env.PATH ?? ''}` } : {};
  // `npm install`, not `npm ci`: the registry we use serves only this platform's optional native
  // packages, so the lock file cannot list the others and `npm ci` would call it out of sync.
  console.log('[setup] installing npm dependencies');
  run('npm', ['install', '--no-audit', '--no-fund'], onRuntime);
  // Taken after the install, which may have rewritten the lock file.
  writeFileSync(depsStamp, fingerprint('package.json', 'package-lock.json'));
}
if (!runtime && Number(process.versions.node.split('.')[0]) < 22)
  console.warn(`[setup] Node.js ${process.version} is past its support; this platform has no runtime package here: install Node.js 24 LTS`);

const clientStamp = join(root, 'prisma', 'generated', '.schema-fingerprint');
const clientPrint = fingerprint('prisma/schema.prisma', 'package-lock.json');
if (!stampMatches(clientStamp, clientPrint)) {
  console.log('[setup] generating the Prisma client');
  // Generation needs no schema engine, but the CLI insists on one being present; ours is a stub
  // that refuses, because migrations are applied by scripts/lib/migrate.ts (see README).
  run('npx', ['prisma', 'generate'], { PRISMA_SCHEMA_ENGINE_BINARY: join(root, 'prisma', 'no-schema-engine.sh') });
  mkdirSync(dirname(clientStamp), { recursive: true });
  writeFileSync(clientStamp, clientPrint);
}
