/**
 * Preloaded with `node --import` (test/cli-lazy-load.test.ts): appends the file of every
 * module the process loads, ESM (a load hook) and CommonJS (require), one a line, to the file
 * VERITY_MODULE_TRACE names.
 */
import { appendFileSync } from "node:fs";
import Module, { register } from "node:module";

const out = process.env.VERITY_MODULE_TRACE;
if (out) {
  const hooks = `import { appendFileSync } from "node:fs";
export async function load(url, context, next) {
  if (url.startsWith("file:")) appendFileSync(${JSON.stringify(out)}, url.slice(7) + "\\n");
  return next(url, context);
}`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
  const load = Module._load;
  Module._load = function (request, parent, isMain) {
    const exported = load.call(this, request, parent, isMain);
    if (!request.startsWith("node:") && !Module.isBuiltin(request)) {
      try {
        appendFileSync(out, `${Module._resolveFilename(request, parent, isMain)}\n`);
      } catch {}
    }
    return exported;
  };
}
