/**
 * The catalog: metadata of datasets, models and jobs in Redis, next to the
 * queue. Each record is one JSON string under `<prefix>:<kind>:<id>`; each
 * tenant has a sorted set per kind (score = creation time) for listing.
 * Records of other tenants are invisible: a lookup with the wrong tenant is a
 * plain miss (the API answers 404, never 403, so ids do not leak).
 */
import type { Redis } from 'ioredis';

export type RecordKind = 'dataset' | 'model' | 'job';

export interface OwnedRecord {
  id: string;
  tenant: string;
  createdAt: string;
}

export interface Page<T> {
  items: T[];
  /** Opaque cursor for the next page; absent on the last page. */
  nextCursor?: string;
  total: number;
}

export class Catalog {
  constructor(
    readonly redis: Redis,
    readonly prefix: string,
  ) {}

  key(kind: RecordKind, id: string): string {
    return `${this.prefix}:${kind}:${id}`;
  }

  indexKey(kind: RecordKind, tenant: string): string {
    return `${this.prefix}:tenant:${tenant}:${kind}s`;
  }

  async create<T extends OwnedRecord>(kind: RecordKind, rec: T): Promise<void> {
    await this.redis
      .multi()
      .set(this.key(kind, rec.id), JSON.stringify(rec))
      .zadd(this.indexKey(kind, rec.tenant), Date.parse(rec.createdAt), rec.id)
      .exec();
  }

  /** The record, or undefined when it does not exist or belongs to another tenant. */
  async get<T extends OwnedRecord>(kind: RecordKind, id: string, tenant?: string): Promise<T | undefined> {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) return undefined;
    const raw = await this.redis.get(this.key(kind, id));
    if (!raw) return undefined;
    const rec = JSON.parse(raw) as T;
    if (tenant !== undefined && rec.tenant !== tenant) return undefined;
    return rec;
  }

  async remove(kind: RecordKind, rec: OwnedRecord): Promise<void> {
    await this.redis.multi().del(this.key(kind, rec.id)).zrem(this.indexKey(kind, rec.tenant), rec.id).exec();
  }

  /** Newest first. The cursor is the offset into the tenant's index. */
  async list<T extends OwnedRecord>(
    kind: RecordKind,
    tenant: string,
    opts: { limit: number; cursor?: string; filter?: (rec: T) => boolean },
  ): Promise<Page<T>> {
    return this.page(kind, tenant, opts, async (ids) => {
      const raws = await this.redis.mget(...ids.map((id) => this.key(kind, id)));
      return raws.map((raw) => (raw ? (JSON.parse(raw) as T) : undefined));
    });
  }

  /**
   * Pages through a tenant's index newest first, reading records with `read`
   * (records of some kinds are not plain strings). Filtering happens after the
   * read, so chunks are read until the page is full.
   */
  async page<T>(
    kind: RecordKind,
    tenant: string,
    opts: { limit: number; cursor?: string; filter?: (rec: T) => boolean },
    read: (ids: string[]) => Promise<(T | undefined)[]>,
  ): Promise<Page<T>> {
    const idx = this.indexKey(kind, tenant);
    const total = await this.redis.zcard(idx);
    let offset = opts.cursor ? Number.parseInt(opts.cursor, 10) || 0 : 0;
    const items: T[] = [];
    const CHUNK = Math.max(opts.limit, 50);
    while (items.length < opts.limit && offset < total) {
      const ids = await this.redis.zrevrange(idx, offset, offset + CHUNK - 1);
      if (ids.length === 0) break;
      let used = 0;
      for (const rec of await read(ids)) {
        used++;
        if (rec === undefined || (opts.filter && !opts.filter(rec))) continue;
        items.push(rec);
        if (items.length === opts.limit) break;
      }
      offset += used;
    }
    return { items, total, ...(offset < total ? { nextCursor: String(offset) } : {}) };
  }
}
