// Generates the TypeScript types of the gRPC API from proto/ with the generator
// bundled with @grpc/proto-loader (offline; no protoc). `npm run proto:gen`
// rewrites src/api/grpc/generated; a test fails when the committed files are stale.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOADER_OPTIONS, PROTO_FILES } from '../src/api/grpc/proto.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const GENERATED_DIR = join(ROOT, 'src', 'api', 'grpc', 'generated');

/** The generator's flags for LOADER_OPTIONS, so types and runtime agree. */
function optionFlags(): string[] {
  const flags = ['--longs', LOADER_OPTIONS.longs.name, '--enums', LOADER_OPTIONS.enums.name];
  if (LOADER_OPTIONS.keepCase) flags.push('--keepCase');
  if (LOADER_OPTIONS.defaults) flags.push('--defaults');
  if (LOADER_OPTIONS.oneofs) flags.push('--oneofs');
  return flags;
}

export function generateProtoTypes(outDir: string): void {
  const require = createRequire(import.meta.url);
  const bin = join(require.resolve('@grpc/proto-loader/package.json'), '..', 'build', 'bin', 'proto-loader-gen-types.js');
  rmSync(outDir, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    [bin, ...optionFlags(), '--includeComments', '--grpcLib', '@grpc/grpc-js', '--importFileExtension', '.js', '-I', 'proto', '-O', outDir, ...PROTO_FILES],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

if (process.argv[1]?.endsWith('proto-gen.ts')) {
  generateProtoTypes(GENERATED_DIR);
  process.stdout.write(`generated ${relative(ROOT, GENERATED_DIR)} from proto/\n`);
}
