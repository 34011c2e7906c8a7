// esbuild + gzip measurement shared by size.mjs and the benchmarks.
import { build } from 'esbuild';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { BROWSER_BUNDLE, sdkDir } from './bundle-config.mjs';

export async function measure(entry) {
  const r = await build({
    ...BROWSER_BUNDLE,
    globalName: 'Vigil',
    stdin: { contents: entry, resolveDir: join(sdkDir, 'packages/browser/src'), loader: 'ts' },
    write: false,
  });
  const code = r.outputFiles[0].contents;
  return { min: code.length, gzip: gzipSync(code, { level: 9 }).length };
}

