/**
 * API keys: `Authorization: Bearer <key>` (REST header or gRPC metadata)
 * resolves to a tenant. Both adapters call this, so they accept exactly the
 * same keys and fail the same way.
 */
import { CnnError } from '../errors.js';
import type { ServiceContext } from './context.js';

export function tenantForAuthorization(ctx: ServiceContext, header: string | undefined, how = 'Authorization: Bearer <api key>'): string {
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!m) throw new CnnError('UNAUTHENTICATED', `send ${how}`);
  const tenant = ctx.config.apiKeys?.get(m[1]!);
  if (!tenant) throw new CnnError('UNAUTHENTICATED', 'unknown API key');
  return tenant;
}

export const MAX_PAGE_LIMIT = 100;
export const DEFAULT_PAGE_LIMIT = 20;

/** A page request checked the same way for both adapters: limit 1..100, cursor as returned in nextCursor. */
export function checkPage(limit: number, cursor: string | undefined): { limit: number; cursor?: string } {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
    throw new CnnError('VALIDATION_FAILED', `limit must be an integer from 1 to ${MAX_PAGE_LIMIT}`, 'limit');
  }
  if (cursor !== undefined && !/^\d{1,9}$/.test(cursor)) throw new CnnError('VALIDATION_FAILED', 'cursor must be a value returned as nextCursor', 'cursor');
  return { limit, ...(cursor !== undefined ? { cursor } : {}) };
}
