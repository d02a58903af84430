import { checkPage, DEFAULT_PAGE_LIMIT } from '../../../service/auth.js';

/** `?limit=&cursor=`: a bad limit is a 400 naming the parameter. */
export function pageQuery(q: Record<string, string | undefined>): { limit: number; cursor?: string } {
  return checkPage(q.limit === undefined ? DEFAULT_PAGE_LIMIT : Number(q.limit), q.cursor);
}
