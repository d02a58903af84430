import { CnnError } from '../../../errors.js';

export const MAX_PAGE_LIMIT = 100;

/** `?limit=&cursor=` with checks: a bad limit is a 400 naming the parameter. */
export function pageQuery(q: Record<string, string | undefined>): { limit: number; cursor?: string } {
  let limit = 20;
  if (q.limit !== undefined) {
    limit = Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
      throw new CnnError('VALIDATION_FAILED', `limit must be an integer from 1 to ${MAX_PAGE_LIMIT}`, 'limit');
    }
  }
  if (q.cursor !== undefined && !/^\d{1,9}$/.test(q.cursor)) throw new CnnError('VALIDATION_FAILED', 'cursor must be a value returned as nextCursor', 'cursor');
  return { limit, ...(q.cursor !== undefined ? { cursor: q.cursor } : {}) };
}
