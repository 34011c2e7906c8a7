import { describe, expect, it } from 'vitest';
import { clickTarget, selectorPath, shortText } from '../src/dom';

function html(s: string): void {
  document.body.innerHTML = s;
}

describe('selectorPath', () => {
  it('stops at an id and keeps stable classes only', () => {
    html('<div id="app"><ul class="menu css-1x2y3z"><li><a class="item a8f7d6e5c4b3a2" href="/x">Go</a></li></ul></div>');
    expect(selectorPath(document.querySelector('a'))).toBe('div#app > ul.menu > li > a.item');
  });
  it('prefers data-vigil names and skips generated ids', () => {
    html('<section id="s-12345"><button data-vigil="buy">Buy</button></section>');
    expect(selectorPath(document.querySelector('button'))).toBe('button[data-vigil="buy"]');
    expect(selectorPath(document.querySelector('section'))).toBe('body > section');
  });
  it('is at most five steps deep', () => {
    html('<div><div><div><div><div><div><span>x</span></div></div></div></div></div></div>');
    expect(selectorPath(document.querySelector('span')).split(' > ')).toHaveLength(5);
  });
  it('names form fields but never their values', () => {
    html('<form><input name="email" value="secret@example.com"></form>');
    const p = selectorPath(document.querySelector('input'));
    expect(p).toBe('body > form > input[name="email"]');
    expect(p).not.toContain('secret');
  });
});

describe('shortText and clickTarget', () => {
  it('takes short text from buttons and links only', () => {
    html('<button>  Add   to\n cart  </button><a href="#">A very long link text that goes on and on and on</a><div>private note</div><input type="text" value="typed secret"><input type="submit" value="Send">');
    expect(shortText(document.querySelector('button'))).toBe('Add to cart');
    expect(shortText(document.querySelector('a'))).toHaveLength(32);
    expect(shortText(document.querySelector('div'))).toBeUndefined();
    expect(shortText(document.querySelector('input[type=text]'))).toBeUndefined();
    expect(shortText(document.querySelector('input[type=submit]'))).toBe('Send');
  });
  it('honours data-vigil-mask', () => {
    html('<div data-vigil-mask><button>Card 4242</button></div>');
    expect(shortText(document.querySelector('button'))).toBeUndefined();
  });
  it('climbs to the interactive ancestor', () => {
    html('<button id="b"><span><i>icon</i></span></button>');
    expect(clickTarget(document.querySelector('i'))!.id).toBe('b');
  });
});
