/**
 * Stack trace parsing for the three engine formats:
 *  - V8 (Chrome, Edge, Node):   `    at fn (https://x/app.js:1:2)`, `    at https://x/app.js:1:2`,
 *                               `    at async fn (…)`, `    at eval (eval at g (https://x/a.js:1:2), <anonymous>:3:4)`
 *  - SpiderMonkey (Firefox):    `fn@https://x/app.js:1:2`, `@https://x/app.js:1:2`, `fn@https://x/a.js line 2 > eval:3:4`
 *  - JavaScriptCore (Safari):   `fn@https://x/app.js:1:2`, `global code@https://x/app.js:1:2`, `https://x/app.js:1:2`
 * Frames come out top of the stack first, at most `MAX_FRAMES`.
 */
import type { StackFrame } from './types';
import { truncate } from './utils';

export const MAX_FRAMES = 50;

const V8_RE = /^\s*at (?:(.+?) \()?((?:[a-z][\w+.-]*:|\/|<anonymous>|native|eval)[^)]*?)(?::(\d+))?(?::(\d+))?\)?\s*$/i;
const V8_EVAL_RE = /\((\S+?):(\d+):(\d+)\)/;
const POS_RE = /^(.*?)(?::(\d+))?(?::(\d+))?$/;
const GECKO_EVAL_RE = /^(\S+) line (\d+)(?: > \S+ line \d+)* > (?:eval|Function)/i;
const BARE_RE = /^\s*((?:https?|file|blob):\/\/\S+?):(\d+)(?::(\d+))?\s*$/i;

function frame(url: string | undefined, fn: string | undefined, line?: string, col?: string): StackFrame {
  const f: StackFrame = {};
  if (url) f.url = truncate(url, 1024);
  if (fn) f.fn = truncate(fn, 256);
  if (line) f.line = +line;
  if (col) f.col = +col;
  return f;
}

/** Parses one line; undefined if it is not a frame (the message line, blank lines). */
export function parseStackLine(line: string): StackFrame | undefined {
  let m: RegExpExecArray | null;
  if (/^\s*at /.test(line)) {
    if (line.indexOf('(eval at ') !== -1) {
      // `at fn (eval at g (https://x/a.js:1:2), <anonymous>:3:4)`: report the eval call site.
      const name = /^\s*at (?:async )?(.*?) \(eval at /.exec(line);
      const e = V8_EVAL_RE.exec(line);
      if (e) return frame(e[1], name ? name[1] : 'eval', e[2], e[3]);
    }
    m = V8_RE.exec(line);
    if (m) {
      const fn = m[1] && m[1].replace(/^async /, '');
      return frame(m[2], fn && fn !== '<anonymous>' ? fn : undefined, m[3], m[4]);
    }
    return undefined;
  }
  const at = line.indexOf('@');
  if (at !== -1) {
    let fn = line.slice(0, at).trim().replace(/^async\*/, '');
    const rest = line.slice(at + 1).trim();
    const e = GECKO_EVAL_RE.exec(rest);
    if (e) return frame(e[1], fn || 'eval', e[2]);
    m = POS_RE.exec(rest);
    if (m && (m[1] || fn)) {
      if (fn === 'global code' || fn === 'eval code') fn = '';
      return frame(m[1] || undefined, fn || undefined, m[2], m[3]);
    }
  }
  m = BARE_RE.exec(line);
  if (m) return frame(m[1], undefined, m[2], m[3]);
  return undefined;
}

/** Parses a whole `error.stack` string. */
export function parseStack(stack: string | undefined): StackFrame[] {
  const frames: StackFrame[] = [];
  if (!stack) return frames;
  const lines = stack.split('\n');
  for (let i = 0; i < lines.length && frames.length < MAX_FRAMES; i++) {
    const l = lines[i]!;
    if (l.length > 2048) continue; // minified one-line sources pasted into messages
    const f = parseStackLine(l);
    if (f && (f.url || f.fn)) frames.push(f);
  }
  return frames;
}
