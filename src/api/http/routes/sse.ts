/**
 * Server-Sent Events over a hijacked reply: the headers, a keep-alive comment
 * so proxies keep the stream open, numbered events, an `error` event when the
 * source fails, and the end of the response when it is done or the client
 * left. Both event routes (one job's, and the tenant's multiplexed stream)
 * stream through here.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

/** How often an SSE stream sends a comment line so proxies keep it open. */
const SSE_KEEPALIVE_MS = 15_000;

/** Writes one event; `id: false` sends it without an event id. */
export type SseSend = (event: string, data: unknown, opts?: { id?: boolean }) => void;

export async function streamSse(
  req: FastifyRequest,
  reply: FastifyReply,
  run: (send: SseSend, signal: AbortSignal) => Promise<void>,
  opts: { greeting?: boolean } = {},
): Promise<void> {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  if (opts.greeting) res.write(': connected\n\n');
  const abort = new AbortController();
  req.raw.on('close', () => abort.abort());
  const keepalive = setInterval(() => res.write(': keepalive\n\n'), SSE_KEEPALIVE_MS);
  let seq = 0;
  const send: SseSend = (event, data, o = {}) => {
    res.write(`${o.id === false ? '' : `id: ${++seq}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  try {
    await run(send, abort.signal);
  } catch (err) {
    send('error', { error: { code: 'INTERNAL', message: String((err as Error).message) } }, { id: false });
  } finally {
    clearInterval(keepalive);
    res.end();
  }
}
