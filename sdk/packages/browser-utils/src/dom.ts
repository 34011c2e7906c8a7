/** DOM helpers that never read what users type. */

/** One selector step: `tag[data-vigil="name"]`, `tag#id`, or `tag.class1.class2[name="field"]`. */
function step(el: Element): string {
  const tag = el.tagName.toLowerCase();
  const named = el.getAttribute('data-vigil');
  if (named) return `${tag}[data-vigil="${named.slice(0, 64)}"]`;
  // Ids and classes that look generated (hashes, CSS-in-JS) would split one element into many.
  if (el.id && !/\d{3}/.test(el.id)) return `${tag}#${el.id.slice(0, 64)}`;
  const cls = String(el.className || '')
    .split(/\s+/)
    .filter((c) => c && c.length < 32 && !/\d{3}|^(css|sc|jsx)-|[A-Za-z\d]{12}/.test(c))
    .slice(0, 2);
  const name = el.getAttribute('name');
  return tag + (cls.length ? '.' + cls.join('.') : '') + (name && /^(input|select|textarea|button)$/.test(tag) ? `[name="${name.slice(0, 32)}"]` : '');
}

/**
 * A short CSS selector path for an element (`div#app > ul.menu > li > a.item`), at most five steps,
 * stopping at the first element with an id or a `data-vigil` name.
 */
export function selectorPath(el: Element | null): string {
  const parts: string[] = [];
  for (; el && el.nodeType == 1 && parts.length < 5; el = el.parentElement) {
    const s = step(el);
    parts.unshift(s);
    if (/[#[]/.test(s) && !/\[name=/.test(s) || el.tagName == 'BODY') break;
  }
  return parts.join(' > ');
}

const CLICKABLE = 'button,a,[role=button],[role=link],[data-vigil],input[type=submit],input[type=button],label,summary';

/** The element a click is about: the closest button, link or other interactive ancestor. */
export function clickTarget(el: Element | null): Element | null {
  return (el && el.closest && el.closest(CLICKABLE)) || el;
}

/**
 * Short visible text of a clickable element (at most 32 chars), or undefined. Text is only taken
 * from buttons, links and `data-vigil` elements — never from inputs or arbitrary containers, which
 * may hold personal data; elements marked `data-vigil-mask` (or inside one) give nothing.
 */
export function shortText(el: Element | null): string | undefined {
  if (!el || el.closest('[data-vigil-mask]')) return undefined;
  const input = el as HTMLInputElement;
  const text =
    el.tagName == 'INPUT'
      ? /^(submit|button)$/.test(input.type) && input.value
      : el.matches('button,a,summary,[role=button],[data-vigil]') && (el.getAttribute('aria-label') || el.textContent);
  return (text && text.replace(/\s+/g, ' ').trim().slice(0, 32)) || undefined;
}
