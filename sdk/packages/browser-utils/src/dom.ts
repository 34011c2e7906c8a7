/** DOM helpers that never read what users type. */

const MAX_DEPTH = 5;
const TEXT_MAX = 32;

/** Class names that look generated (hashes, CSS-in-JS) are left out of selectors. */
function stableClass(c: string): boolean {
  return c.length > 0 && c.length < 32 && !/\d{3,}|^css-|^sc-|^jsx-|[A-Za-z0-9]{12,}/.test(c);
}

/** One selector step: `tag#id.class1.class2`, or `tag[data-vigil=...]`. */
function step(el: Element): string {
  let s = el.tagName.toLowerCase();
  const named = el.getAttribute('data-vigil');
  if (named) return `${s}[data-vigil="${named.slice(0, 64)}"]`;
  if (el.id && !/\d{3,}/.test(el.id)) return `${s}#${el.id.slice(0, 64)}`;
  const cls = typeof el.className === 'string' ? el.className.split(/\s+/).filter(stableClass).slice(0, 2) : [];
  if (cls.length) s += '.' + cls.join('.');
  const name = el.getAttribute('name');
  if (name && /^(input|select|textarea|button)$/.test(s.split('.')[0]!)) s += `[name="${name.slice(0, 32)}"]`;
  return s;
}

/**
 * A short CSS selector path for an element (`div#app > ul.menu > li > a.item`), at most five steps,
 * stopping at the first element with an id or a `data-vigil` name.
 */
export function selectorPath(el: Element | null): string {
  const parts: string[] = [];
  for (let e = el; e && e.nodeType === 1 && parts.length < MAX_DEPTH; e = e.parentElement) {
    const s = step(e);
    parts.unshift(s);
    if (s.indexOf('#') !== -1 || s.indexOf('[data-vigil') !== -1 || e.tagName === 'BODY') break;
  }
  return parts.join(' > ');
}

/** The element a click is about: the closest button, link or other interactive ancestor. */
export function clickTarget(el: Element | null): Element | null {
  if (!el || !el.closest) return el;
  return el.closest('button,a,[role=button],[role=link],[data-vigil],input[type=submit],input[type=button],label,summary') || el;
}

/**
 * Short visible text of a clickable element (at most 32 chars), or undefined. Text is only taken
 * from buttons, links and `data-vigil` elements — never from inputs or arbitrary containers, which
 * may hold personal data; elements marked `data-vigil-mask` (or inside one) give nothing.
 */
export function shortText(el: Element | null): string | undefined {
  if (!el || el.closest('[data-vigil-mask]')) return undefined;
  const tag = el.tagName;
  let text: string | null | undefined;
  if (tag === 'INPUT') {
    const t = (el as HTMLInputElement).type;
    if (t === 'submit' || t === 'button') text = (el as HTMLInputElement).value;
  } else if (tag === 'BUTTON' || tag === 'A' || tag === 'SUMMARY' || el.getAttribute('role') === 'button' || el.hasAttribute('data-vigil')) {
    text = el.getAttribute('aria-label') || el.textContent;
  }
  if (!text) return undefined;
  text = text.replace(/\s+/g, ' ').trim();
  return text ? text.slice(0, TEXT_MAX) : undefined;
}
