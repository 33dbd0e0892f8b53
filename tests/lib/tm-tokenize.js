// tm-tokenize.js GRAMMAR FILE... — tokenises each FILE with the TextMate
// grammar through vscode-textmate (the engine VS Code uses) and fails on a
// token no rule matched (non-blank text scoped only source.rp) and on a
// scope still open at the end of a file (an unbalanced begin/end rule).
// Prints "tokenised N files, N tokens" when all is well.
'use strict';
const fs = require('fs');
const path = require('path');
const tm = require('vscode-textmate');
const onig = require('vscode-oniguruma');

const [grammarPath, ...files] = process.argv.slice(2);
const wasm = fs.readFileSync(path.join(path.dirname(require.resolve('vscode-oniguruma')), 'onig.wasm'));

async function main() {
  await onig.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new tm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (sources) => new onig.OnigScanner(sources),
      createOnigString: (s) => new onig.OnigString(s),
    }),
    loadGrammar: async () => tm.parseRawGrammar(fs.readFileSync(grammarPath, 'utf8'), grammarPath),
  });
  const grammar = await registry.loadGrammar('source.rp');
  let problems = 0, tokens = 0;
  for (const file of files) {
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    let stack = tm.INITIAL;
    lines.forEach((line, i) => {
      const r = grammar.tokenizeLine(line, stack);
      for (const t of r.tokens) {
        tokens++;
        const text = line.slice(t.startIndex, t.endIndex);
        if (t.scopes.length === 1 && text.trim()) {
          console.log(`${file}:${i + 1}:${t.startIndex + 1}: no rule matches '${text}'`);
          problems++;
        }
      }
      stack = r.ruleStack;
    });
    if (stack.depth > 1) {
      console.log(`${file}: a scope is still open at the end: ${stack.scopeName || ''} (depth ${stack.depth})`);
      problems++;
    }
  }
  if (problems) process.exit(1);
  console.log(`tokenised ${files.length} files, ${tokens} tokens`);
}
main().catch((e) => { console.error(e); process.exit(2); });
