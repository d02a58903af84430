#!/usr/bin/env node
// Brings a fresh Debian/Ubuntu checkout to a runnable state, using Node
// built-ins only: apt packages, npm packages, the native addon, the
// TypeScript build. Every step is skipped when its inputs have not changed,
// so a second run does nothing and returns in well under 2 s.
//
//   node scripts/bootstrap.mjs           what `npm start` needs
//   node scripts/bootstrap.mjs --tests   also the test data set and the PyTorch reference
//
// CNN_BOOTSTRAP_SKIP_APT=1 skips the apt step (images that bring libtorch another way).
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findLibtorch } from './libtorch.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const STAMPS = join(ROOT, '.bootstrap');
const wantTests = process.argv.includes('--tests');

let libtorchCache;
/**
 * Looking for libtorch asks Python (most of a second), so the answer is kept in
 * .bootstrap/libtorch.json while LIBTORCH and PYTHON stay the same and its
 * files still exist. Delete .bootstrap/ to look again.
 */
function libtorch() {
  if (libtorchCache !== undefined) return libtorchCache;
  const envKey = `${process.env.LIBTORCH ?? ''}|${process.env.PYTHON ?? ''}`;
  const cacheFile = join(STAMPS, 'libtorch.json');
  if (existsSync(cacheFile)) {
    try {
      const cached = JSON.parse(readFileSync(cacheFile, 'utf8'));
      if (cached.envKey === envKey && existsSync(join(cached.found.libDir, 'libtorch.so'))) {
        libtorchCache = cached.found;
        return libtorchCache;
      }
    } catch {
      // unreadable cache: look again
    }
  }
  try {
    libtorchCache = findLibtorch();
  } catch (e) {
    fail(e.message);
  }
  if (libtorchCache) writeStamp('libtorch.json', JSON.stringify({ envKey, found: libtorchCache }));
  return libtorchCache;
}

/** apt packages, each with a file whose presence shows it is installed (dpkg is slow to ask). */
const APT_RUNTIME = [
  { pkg: 'redis-server', probe: ['/usr/bin/redis-server'] },
  { pkg: 'build-essential', probe: ['/usr/bin/g++', '/usr/bin/make'] },
  { pkg: 'python3', probe: ['/usr/bin/python3'] },
  // libjpeg-turbo's and zlib's headers for the addon's image decoder (native/src/decode.cc).
  { pkg: 'libjpeg-dev', probe: ['/usr/include/jpeglib.h'] },
  { pkg: 'zlib1g-dev', probe: ['/usr/include/zlib.h'] },
];
const APT_TORCH = { pkg: 'libtorch-dev', probe: ['/usr/include/torch/csrc/api/include/torch/torch.h'] };
// Debian's libtorch calls libblas.so.3, netlib's reference build unless an optimized one provides it.
const MULTIARCH = process.arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu';
const APT_BLAS = { pkg: 'libopenblas0-pthread', probe: [`/usr/lib/${MULTIARCH}/openblas-pthread/libblas.so.3`] };
const APT_TESTS = [
  { pkg: 'dataset-fashion-mnist', probe: ['/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz'] },
  // The reference the benchmarks and the zoo parity tests compare against.
  { pkg: 'python3-torch', probe: ['/usr/lib/python3/dist-packages/torch/__init__.py'] },
  { pkg: 'python3-torchvision', probe: ['/usr/lib/python3/dist-packages/torchvision/__init__.py'] },
  // PIL: the resample the addon's resize is checked against, and bench:ingest's reference.
  { pkg: 'python3-pil', probe: ['/usr/lib/python3/dist-packages/PIL/__init__.py'] },
  // An independent gRPC client (test/api/grpc-python.test.ts): protoc 3.21 for the message classes, grpcio for the calls.
  { pkg: 'protobuf-compiler', probe: ['/usr/bin/protoc'] },
  { pkg: 'python3-protobuf', probe: ['/usr/lib/python3/dist-packages/google/protobuf/__init__.py'] },
  { pkg: 'python3-grpcio', probe: ['/usr/lib/python3/dist-packages/grpc/__init__.py'] },
  // The README walkthrough runs as written (test/readme-walkthrough.test.ts).
  { pkg: 'curl', probe: ['/usr/bin/curl'] },
  { pkg: 'jq', probe: ['/usr/bin/jq'] },
  // ONNX export tests: the onnx checker and strict shape inference on every exported file (test/export).
  { pkg: 'python3-onnx', probe: ['/usr/lib/python3/dist-packages/onnx/__init__.py'] },
  // The dashboard's browser tests (test/web) drive Debian's chromium through playwright-core.
  { pkg: 'chromium', probe: ['/usr/bin/chromium'] },
];

function log(msg) {
  process.stderr.write(`[bootstrap] ${msg}\n`);
}

function fail(msg) {
  process.stderr.write(`[bootstrap] ${msg}\n`);
  process.exit(1);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: ROOT, ...opts });
  if (r.error) fail(`${cmd} could not start: ${r.error.message}`);
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} exited with ${r.status}`);
}

function canRun(cmd, args) {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

function ensureApt() {
  if (process.env.CNN_BOOTSTRAP_SKIP_APT === '1') return;
  const wanted = [...APT_RUNTIME];
  // A CUDA libtorch (LIBTORCH or a Python torch) replaces Debian's CPU one.
  if (!APT_TORCH.probe.every((f) => existsSync(f)) && !libtorch()) wanted.push(APT_TORCH);
  if (wanted.includes(APT_TORCH) || APT_TORCH.probe.every((f) => existsSync(f))) wanted.push(APT_BLAS);
  if (wantTests) wanted.push(...APT_TESTS);
  const missing = wanted.filter((p) => !p.probe.every((f) => existsSync(f))).map((p) => p.pkg);
  if (missing.length === 0) return;

  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = ['apt-get', 'update'];
  const install = ['apt-get', 'install', '-y', '--no-install-recommends', ...missing];
  let prefix = null;
  if (process.getuid?.() === 0) prefix = [];
  else if (canRun('sudo', ['-n', 'true'])) prefix = ['sudo', '-n', 'env', 'DEBIAN_FRONTEND=noninteractive'];
  if (prefix === null) {
    fail(
      `missing system packages: ${missing.join(' ')}\n` +
        `Install them, then run again:\n  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing.join(' ')}`,
    );
  }
  if (!existsSync('/usr/bin/apt-get')) fail(`missing system packages: ${missing.join(' ')} (and no apt-get to install them)`);
  log(`installing ${missing.join(' ')}`);
  const [uCmd, ...uArgs] = [...prefix, ...update];
  run(uCmd, uArgs, { env });
  const [iCmd, ...iArgs] = [...prefix, ...install];
  run(iCmd, iArgs, { env });
  libtorchCache = undefined; // a libtorch may have just been installed
  rmSync(join(STAMPS, 'libtorch.json'), { force: true });
}

/** A cheap fingerprint of files: path, size and mtime. Content hashing is not needed for "did it change". */
function fingerprint(paths) {
  const h = createHash('sha256');
  const visit = (p) => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const name of readdirSync(p).sort()) {
        if (name === 'build' || name === 'node_modules') continue;
        visit(join(p, name));
      }
    } else {
      h.update(`${relative(ROOT, p)}:${st.size}:${st.mtimeMs}\n`);
    }
  };
  for (const p of paths) visit(join(ROOT, p));
  return h.digest('hex');
}

function stampMatches(name, value) {
  const f = join(STAMPS, name);
  return existsSync(f) && readFileSync(f, 'utf8') === value;
}

function writeStamp(name, value) {
  mkdirSync(STAMPS, { recursive: true });
  writeFileSync(join(STAMPS, name), value);
}

function ensureNodeModules() {
  // Keyed on the lock file's content and the Node ABI: a different Node needs a fresh install.
  const lock = readFileSync(join(ROOT, 'package-lock.json'));
  const key = createHash('sha256').update(lock).update(process.versions.modules).digest('hex');
  if (existsSync(join(ROOT, 'node_modules')) && stampMatches('npm', key)) return;
  log('installing npm packages (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund'], { env: { ...process.env, ONNXRUNTIME_NODE_INSTALL_CUDA: 'skip' } });
  writeStamp('npm', key);
}

function ensureAddon() {
  const lt = libtorch();
  if (!lt) fail('libtorch not found after the apt step: install libtorch-dev or set LIBTORCH');
  const key = `${fingerprint(['native', 'scripts/libtorch.mjs'])}:${lt.root}:${lt.libDir}:${process.versions.modules}:${process.env.LIBTORCH ?? ''}`;
  const addon = join(ROOT, 'native', 'build', 'Release', 'cnn_native.node');
  if (existsSync(addon) && stampMatches('addon', key)) return false;
  log(`building the native addon against libtorch from ${lt.source}${lt.cuda ? ' (CUDA)' : ''}`);
  const jobs = String(Math.max(1, Math.min(4, Number(process.env.CNN_BUILD_JOBS ?? 2))));
  const gyp = join(ROOT, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  run(process.execPath, [gyp, 'rebuild', '-j', jobs, ...nodedirArgs()], { cwd: join(ROOT, 'native') });
  writeStamp('addon', key);
  return true;
}

/**
 * Build against the headers of the running Node when they are installed
 * (Debian's nodejs ships them under /usr/include/node): node-gyp would
 * otherwise download them, which fails offline.
 */
function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [`--nodedir=${process.env.npm_config_nodedir}`];
  const prefix = dirname(dirname(process.execPath));
  return existsSync(join(prefix, 'include', 'node', 'node.h')) ? [`--nodedir=${prefix}`] : [];
}

function ensureBuild() {
  const key = fingerprint(['src', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json']);
  if (existsSync(join(ROOT, 'dist')) && stampMatches('tsc', key)) return;
  log('compiling TypeScript');
  run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json']);
  writeStamp('tsc', key);
}

/** The dashboard (web/) built by Vite into web/dist when missing or older than its sources. */
function ensureWeb() {
  const key = fingerprint(['web/src', 'web/index.html', 'web/vite.config.ts', 'package-lock.json']);
  if (existsSync(join(ROOT, 'web', 'dist', 'index.html')) && stampMatches('web', key)) return;
  log('building the dashboard (vite build)');
  run(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn']);
  writeStamp('web', key);
}

ensureApt();
ensureNodeModules();
const builtAddon = ensureAddon();
ensureBuild();
ensureWeb();

// After a build, check that the addon loads and say which libtorch it uses.
if (builtAddon) {
  try {
    const out = execFileSync(
      process.execPath,
      ['-e', "const a=require('./native/build/Release/cnn_native.node');const i=a.info();console.log(`libtorch ${i.torchVersion}, cuda ${i.cudaAvailable}`)"],
      { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 },
    );
    log(`ready: ${out.trim()}`);
  } catch (e) {
    fail(`the native addon does not load: ${String(e.stderr || e.message).split('\n').slice(0, 5).join(' ')}`);
  }
}
