import { describe, expect, it } from 'vitest';
import { parseStack, parseStackLine } from '../src/stacktrace';

// Stacks as each engine prints them (written for these tests).
const CHROME = `TypeError: Cannot read properties of undefined (reading 'x')
    at onClick (https://shop.example.com/app.3f2a1c9b.js:1:3302)
    at HTMLButtonElement.<anonymous> (https://shop.example.com/app.js:10:20)
    at async loadCart (https://shop.example.com/cart.js:5:7)
    at new Widget (https://shop.example.com/w.js:2:9)
    at https://shop.example.com/main.js:100:1
    at Array.forEach (<anonymous>)
    at eval (eval at run (https://shop.example.com/e.js:3:4), <anonymous>:1:2)`;

const FIREFOX = `onClick@https://shop.example.com/app.3f2a1c9b.js:1:3302
handler/<@https://shop.example.com/app.js:10:20
async*loadCart@https://shop.example.com/cart.js:5:7
@https://shop.example.com/main.js:100:1
run@https://shop.example.com/e.js line 3 > eval:1:2`;

const SAFARI = `onClick@https://shop.example.com/app.3f2a1c9b.js:1:3302
forEach@[native code]
global code@https://shop.example.com/main.js:100:1
https://shop.example.com/bare.js:7:8`;

describe('parseStack', () => {
  it('parses V8 (Chrome) stacks', () => {
    const f = parseStack(CHROME);
    expect(f[0]).toEqual({ url: 'https://shop.example.com/app.3f2a1c9b.js', fn: 'onClick', line: 1, col: 3302 });
    expect(f[1]).toEqual({ url: 'https://shop.example.com/app.js', fn: 'HTMLButtonElement.<anonymous>', line: 10, col: 20 });
    expect(f[2]).toEqual({ url: 'https://shop.example.com/cart.js', fn: 'loadCart', line: 5, col: 7 });
    expect(f[3]).toEqual({ url: 'https://shop.example.com/w.js', fn: 'new Widget', line: 2, col: 9 });
    expect(f[4]).toEqual({ url: 'https://shop.example.com/main.js', line: 100, col: 1 });
    expect(f[5]).toEqual({ url: '<anonymous>', fn: 'Array.forEach' });
    expect(f[6]).toEqual({ url: 'https://shop.example.com/e.js', fn: 'eval', line: 3, col: 4 });
    expect(f).toHaveLength(7);
  });

  it('parses SpiderMonkey (Firefox) stacks', () => {
    const f = parseStack(FIREFOX);
    expect(f[0]).toEqual({ url: 'https://shop.example.com/app.3f2a1c9b.js', fn: 'onClick', line: 1, col: 3302 });
    expect(f[1]).toEqual({ url: 'https://shop.example.com/app.js', fn: 'handler/<', line: 10, col: 20 });
    expect(f[2]).toEqual({ url: 'https://shop.example.com/cart.js', fn: 'loadCart', line: 5, col: 7 });
    expect(f[3]).toEqual({ url: 'https://shop.example.com/main.js', line: 100, col: 1 });
    expect(f[4]).toEqual({ url: 'https://shop.example.com/e.js', fn: 'run', line: 3 });
  });

  it('parses JavaScriptCore (Safari) stacks', () => {
    const f = parseStack(SAFARI);
    expect(f[0]).toEqual({ url: 'https://shop.example.com/app.3f2a1c9b.js', fn: 'onClick', line: 1, col: 3302 });
    expect(f[1]).toEqual({ url: '[native code]', fn: 'forEach' });
    expect(f[2]).toEqual({ url: 'https://shop.example.com/main.js', line: 100, col: 1 });
    expect(f[3]).toEqual({ url: 'https://shop.example.com/bare.js', line: 7, col: 8 });
  });

  it('skips message lines and caps the frame count', () => {
    expect(parseStackLine('TypeError: boom')).toBeUndefined();
    expect(parseStackLine('')).toBeUndefined();
    const long = 'Error: x\n' + Array.from({ length: 80 }, (_, i) => `    at f${i} (https://a.example/x.js:${i + 1}:1)`).join('\n');
    expect(parseStack(long)).toHaveLength(50);
    expect(parseStack(undefined)).toEqual([]);
  });

  it('parses stacks of the running engine', () => {
    function thrower(): never {
      throw new Error('here');
    }
    let stack = '';
    try {
      thrower();
    } catch (e) {
      stack = (e as Error).stack!;
    }
    const f = parseStack(stack);
    expect(f.length).toBeGreaterThan(1);
    expect(f[0]!.fn).toBe('thrower');
    expect(f[0]!.line).toBeGreaterThan(0);
  });
});
