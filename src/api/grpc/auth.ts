/**
 * The same API keys as REST, sent as `authorization: Bearer <key>` metadata.
 */
import type { Metadata } from '@grpc/grpc-js';
import { CnnError } from '../../errors.js';
import type { ServiceContext } from '../../service/context.js';

/** Resolves the call's bearer key to a tenant, or throws UNAUTHENTICATED. */
export function tenantOfCall(ctx: ServiceContext, metadata: Metadata): string {
  const values = metadata.get('authorization');
  const header = values.length === 1 && typeof values[0] === 'string' ? values[0] : undefined;
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!m) throw new CnnError('UNAUTHENTICATED', 'send metadata authorization: Bearer <api key>');
  const tenant = ctx.config.apiKeys?.get(m[1]!);
  if (!tenant) throw new CnnError('UNAUTHENTICATED', 'unknown API key');
  return tenant;
}
