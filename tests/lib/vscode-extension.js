// vscode-extension.js RP BAD.rp UGLY.rp FORMATTED — loads editors/vscode's
// extension against a stand-in of the `vscode` module that records what the
// extension registers, then drives it as VS Code would: opening BAD.rp must
// give its diagnostics from `RP check --json`, and formatting UGLY.rp must
// give one edit whose text is FORMATTED's (from `RP fmt -`).
'use strict';
const fs = require('fs');
const Module = require('module');
const path = require('path');

const [rp, bad, ugly, formattedFile] = process.argv.slice(2);
const handlers = {}, diagnostics = new Map();
let formatter = null;

class Range { constructor(l1, c1, l2, c2) { Object.assign(this, { start: { line: l1, character: c1 }, end: { line: l2, character: c2 } }); } }
const vscode = {
  Range,
  Diagnostic: class { constructor(range, message, severity) { Object.assign(this, { range, message, severity }); } },
  DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2 },
  TextEdit: { replace: (range, newText) => ({ range, newText }) },
  workspace: {
    getConfiguration: () => ({ get: (key, def) => (key === 'path' ? rp : def) }),
    onDidOpenTextDocument: (f) => (handlers.open = f),
    onDidSaveTextDocument: (f) => (handlers.save = f),
    onDidCloseTextDocument: (f) => (handlers.close = f),
    textDocuments: [],
  },
  languages: {
    createDiagnosticCollection: () => ({
      set: (uri, d) => diagnostics.set(uri.fsPath, d), delete: (uri) => diagnostics.delete(uri.fsPath),
    }),
    registerDocumentFormattingEditProvider: (lang, p) => { if (lang === 'rp') formatter = p; },
  },
};
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request === 'vscode' ? 'vscode' : resolve.call(this, request, ...rest);
};
require.cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: vscode };

function doc(file) {
  const text = fs.readFileSync(file, 'utf8');
  return {
    languageId: 'rp', fileName: path.resolve(file), uri: { scheme: 'file', fsPath: path.resolve(file) },
    getText: () => text,
    positionAt: (off) => {
      const before = text.slice(0, off).split('\n');
      return { line: before.length - 1, character: before[before.length - 1].length };
    },
  };
}

async function main() {
  const ext = require(path.join(__dirname, '../../editors/vscode/extension.js'));
  ext.activate({ subscriptions: [] });
  const fail = (why) => { console.log('not ok: ' + why); process.exitCode = 1; };
  if (!handlers.open || !handlers.save || !formatter) return fail('the extension registers its handlers');
  const d = doc(bad);
  handlers.open(d);
  for (let i = 0; i < 100 && !diagnostics.has(d.fileName); i++) await new Promise((r) => setTimeout(r, 50));
  const got = diagnostics.get(d.fileName) || [];
  console.log('diagnostics: ' + JSON.stringify(got));
  if (!got.length) return fail('rp check --json gives diagnostics');
  const edits = await formatter.provideDocumentFormattingEdits(doc(ugly));
  if (edits.length !== 1 || edits[0].newText !== fs.readFileSync(formattedFile, 'utf8'))
    return fail('the formatter replaces the text with rp fmt\'s: ' + JSON.stringify(edits));
  console.log('formatted: ' + JSON.stringify(edits[0].newText));
}
main();
