/**
 * The same API keys as REST, sent as `authorization: Bearer <key>` metadata.
 */
import type { Metadata } from '@grpc/grpc-js';
import { tenantForAuthorization } from '../../service/auth.js';
import type { ServiceContext } from '../../service/context.js';

/** Resolves the call's bearer key to a tenant, or throws UNAUTHENTICATED. */
export function tenantOfCall(ctx: ServiceContext, metadata: Metadata): string {
  const values = metadata.get('authorization');
  const header = values.length === 1 && typeof values[0] === 'string' ? values[0] : undefined;
  return tenantForAuthorization(ctx, header, 'metadata authorization: Bearer <api key>');
}
