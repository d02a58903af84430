/** Short renderings of received values for validation messages, shared by spec and zoo-reference checks. */
import type { z } from 'zod';

const SHOW_MAX_CHARS = 60;

/** A short, JSON-like rendering of a received value for messages. */
export function show(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = `'${value}'`;
  else if (typeof value === 'number' || typeof value === 'boolean' || value === null) text = String(value);
  else if (Array.isArray(value)) text = safeJson(value);
  else if (typeof value === 'object') text = 'an object';
  else text = typeof value;
  return text.length > SHOW_MAX_CHARS ? `${text.slice(0, SHOW_MAX_CHARS - 3)}...` : text;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return 'an array';
  }
}

/** `, received 3` or `, but it is missing`: what a message appends after zod's "expected ...". */
export function receivedText(issue: z.core.$ZodIssue): string {
  return 'input' in issue && issue.input !== undefined ? `, received ${show(issue.input)}` : ', but it is missing';
}
