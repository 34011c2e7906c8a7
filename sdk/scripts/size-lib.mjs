// Minified + gzip (level 9) size of a browser entry, built exactly like dist/vigil.min.js.
import { gzipSync } from 'node:zlib';
import { bundleBrowser } from './bundle-config.mjs';

export async function measure(contents) {
  const { code } = await bundleBrowser({ contents });
  return { min: Buffer.byteLength(code), gzip: gzipSync(code, { level: 9 }).length };
}
