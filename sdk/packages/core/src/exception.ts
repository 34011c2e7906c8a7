/** Turning thrown values into `error` event fields. */
import { parseStack } from './stacktrace';
import type { StackFrame, VigilEvent } from './types';
import { describe, isError, truncate } from './utils';

export interface ExceptionFields {
  [key: string]: unknown;
  message: string;
  exception: { type: string; value: string };
  frames?: StackFrame[];
  stack?: string;
}

/** Fields of an `error` event for any thrown or rejected value. */
export function exceptionFields(err: unknown, fallbackType = 'Error'): ExceptionFields {
  if (isError(err)) {
    const type = err.name || fallbackType;
    const value = err.message || '';
    const f: ExceptionFields = {
      message: truncate(value ? `${type}: ${value}` : type, 8192),
      exception: { type: truncate(type, 256), value: truncate(value, 8192) },
    };
    if (typeof err.stack == 'string') {
      // Frames when the stack parses; the raw text only when it does not (it doubles the payload).
      const frames = parseStack(err.stack);
      if (frames.length) f.frames = frames;
      else f.stack = truncate(err.stack, 16384);
    }
    return f;
  }
  const m = err && (err as { message?: unknown }).message;
  const value = truncate(typeof m == 'string' ? m : describe(err), 8192);
  return { message: value, exception: { type: fallbackType, value } };
}

/** A stable grouping key of an error event for client-side deduplication. */
export function errorKey(e: VigilEvent): string {
  const frames = e.frames as StackFrame[] | undefined;
  const top = frames && frames[0];
  return [e.name, e.message, top ? `${top.url}:${top.fn}:${top.line}:${top.col}` : e.url].join('|');
}
