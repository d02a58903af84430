// Finds the libtorch the addon builds against. Node built-ins only.
//
// Order: $LIBTORCH (an unpacked libtorch archive), then a Python `torch`
// install (its include/ and lib/ dirs), then Debian's layout under /usr.
// Used by scripts/bootstrap.mjs and, through command expansion, by
// native/binding.gyp:  node ../scripts/libtorch.mjs <field>
import { existsSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DEBIAN_LIBDIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib'];

function layoutAt(root, source) {
  const include = join(root, 'include');
  const lib = join(root, 'lib');
  if (!existsSync(join(include, 'torch', 'csrc', 'api', 'include', 'torch', 'torch.h'))) return null;
  if (!existsSync(join(lib, 'libtorch.so')) && !existsSync(join(lib, 'libtorch_cpu.so'))) return null;
  return describe(source, root, [include, join(include, 'torch', 'csrc', 'api', 'include')], lib);
}

function describe(source, root, includeDirs, libDir) {
  const files = existsSync(libDir) ? readdirSync(libDir) : [];
  const cuda = files.includes('libtorch_cuda.so') && files.includes('libc10_cuda.so');
  return { source, root, includeDirs, libDir, cuda };
}

function pythonRun(py, code) {
  return execFileSync(py, ['-c', code], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 30_000 }).trim();
}

function fromPython() {
  const pythons = [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean);
  for (const py of pythons) {
    try {
      // find_spec locates the package without importing it (importing torch takes seconds).
      const init = pythonRun(py, "import importlib.util as u; s = u.find_spec('torch'); print(s.origin if s else '')");
      const found = init && layoutAt(dirname(init), `python torch (${py})`);
      if (found) return { ...found, python: py };
    } catch {
      // no torch for this interpreter; try the next
    }
  }
  return null;
}

/** Wheels built with the pre-C++11 std::string ABI must be matched, or linking fails. Imports torch: slow, build time only. */
function usesCxx11Abi(lt) {
  if (!lt.python) return true;
  try {
    return pythonRun(lt.python, 'import torch; print(int(torch.compiled_with_cxx11_abi()))') !== '0';
  } catch {
    return true;
  }
}

function fromDebian() {
  const include = '/usr/include';
  if (!existsSync(join(include, 'torch', 'csrc', 'api', 'include', 'torch', 'torch.h'))) return null;
  const libDir = DEBIAN_LIBDIRS.find((d) => existsSync(join(d, 'libtorch.so')));
  if (!libDir) return null;
  return describe('debian /usr', '/usr', [include, join(include, 'torch', 'csrc', 'api', 'include')], libDir);
}

/** @returns {{source:string, root:string, includeDirs:string[], libDir:string, cuda:boolean} | null} */
export function findLibtorch() {
  if (process.env.LIBTORCH) {
    const found = layoutAt(process.env.LIBTORCH, `LIBTORCH=${process.env.LIBTORCH}`);
    if (!found) throw new Error(`LIBTORCH=${process.env.LIBTORCH} is not an unpacked libtorch (expected include/torch and lib/libtorch.so)`);
    return found;
  }
  return fromPython() ?? fromDebian();
}

/** Linker flags: CUDA builds must keep torch_cuda/c10_cuda even though no symbol is used directly, or the CUDA kernels never register. */
export function linkFlags(lt) {
  const flags = [`-L${lt.libDir}`, `-Wl,-rpath,${lt.libDir}`];
  if (lt.cuda) flags.push('-Wl,--no-as-needed', '-ltorch_cuda', '-lc10_cuda', '-Wl,--as-needed');
  flags.push('-ltorch', '-ltorch_cpu', '-lc10');
  return flags;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const lt = findLibtorch();
  const field = process.argv[2];
  if (!lt) {
    process.stderr.write('libtorch not found: install libtorch-dev, or set LIBTORCH to an unpacked libtorch\n');
    process.exit(1);
  }
  if (field === 'include') process.stdout.write(lt.includeDirs.join(' '));
  else if (field === 'libs') process.stdout.write(linkFlags(lt).join(' '));
  else if (field === 'defines') {
    const defs = [lt.cuda ? 'CNN_WITH_CUDA=1' : 'CNN_WITH_CUDA=0'];
    if (!usesCxx11Abi(lt)) defs.push('_GLIBCXX_USE_CXX11_ABI=0');
    process.stdout.write(defs.join(' '));
  }
  else process.stdout.write(JSON.stringify(lt, null, 2) + '\n');
}
