/**
 * Checks real responses against the committed openapi.yaml with Ajv (JSON
 * Schema 2020-12), independently of the zod schemas that generate it: the
 * status must be declared for the operation, the content type must be one it
 * declares, and a JSON body (or each SSE event's data, by event type) must
 * validate. Records which operations and statuses were seen.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';

type Doc = { paths: Record<string, Record<string, { operationId: string; responses: Record<string, { content?: Record<string, Record<string, unknown>> }> }>> };

const DOC_ID = 'openapi';
const pointer = (...parts: string[]) => parts.map((p) => encodeURIComponent(p.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');

export interface SseEvent {
  event: string;
  data: unknown;
}

export function parseSse(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter((block) => /^data:/m.test(block))
    .map((block) => ({ event: /^event: (.*)$/m.exec(block)?.[1] ?? 'message', data: JSON.parse(/^data: (.*)$/m.exec(block)![1]!) }));
}

export class Contract {
  readonly doc: Doc;
  private readonly ajv: Ajv2020;
  /** `operationId status` pairs seen. */
  readonly seen = new Set<string>();

  constructor(file = new URL('../../openapi.yaml', import.meta.url)) {
    this.doc = parse(readFileSync(file, 'utf8')) as Doc;
    // OpenAPI's own keywords (paths, x-…) are not JSON Schema; only the schemas under them are compiled.
    this.ajv = new Ajv2020({ strict: false, allErrors: true });
    this.ajv.addFormat('binary', true);
    this.ajv.addSchema(this.doc as object, DOC_ID);
  }

  operationIds(): string[] {
    return Object.values(this.doc.paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
  }

  private validate(ref: string, data: unknown, what: string): void {
    const v = this.ajv.getSchema(ref) ?? this.ajv.compile({ $ref: ref });
    if (!v(data)) {
      throw new Error(`${what} does not match openapi.yaml: ${this.ajv.errorsText(v.errors, { separator: '\n  ' })}\n  body: ${JSON.stringify(data).slice(0, 600)}`);
    }
  }

  /**
   * Checks one response of `METHOD /path/template` (e.g. `GET /v1/jobs/{id}`)
   * and returns its parsed body (JSON, SSE events, or text).
   */
  async check(method: string, template: string, res: Response): Promise<any> {
    const op = this.doc.paths[template]?.[method.toLowerCase()];
    if (!op) throw new Error(`${method} ${template} is not in openapi.yaml`);
    const status = String(res.status);
    const declared = op.responses[status];
    const text = await res.text();
    if (!declared) throw new Error(`${method} ${template} answered ${status}, which openapi.yaml does not declare (declared: ${Object.keys(op.responses).join(', ')}): ${text.slice(0, 300)}`);
    this.seen.add(`${op.operationId} ${status}`);
    const what = `${method} ${template} ${status}`;
    const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
    if (!declared.content) {
      if (text !== '') throw new Error(`${what} has a body, but openapi.yaml declares none`);
      return undefined;
    }
    if (!(type in declared.content)) throw new Error(`${what} is ${type || 'without a content type'}; openapi.yaml declares ${Object.keys(declared.content).join(', ')}`);
    const base = `${DOC_ID}#/${pointer('paths', template, method.toLowerCase(), 'responses', status, 'content', type)}`;
    if (type === 'application/json') {
      const body = JSON.parse(text);
      this.validate(`${base}/schema`, body, what);
      return body;
    }
    if (type === 'text/event-stream') {
      const events = parseSse(text);
      const byType = declared.content[type]!['x-sse-events'] as Record<string, unknown> | undefined;
      if (!byType) throw new Error(`${what}: openapi.yaml declares no x-sse-events`);
      for (const [i, e] of events.entries()) {
        if (!(e.event in byType)) throw new Error(`${what}: event ${i} has type '${e.event}', which openapi.yaml does not declare`);
        this.validate(`${base}/x-sse-events/${pointer(e.event)}`, e.data, `${what} event ${i} (${e.event})`);
      }
      return events;
    }
    return text;
  }
}
