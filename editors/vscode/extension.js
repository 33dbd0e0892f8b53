// extension.js — rp for VS Code: formatting through `rp fmt -` (the text on
// standard input, the formatted text on standard output) and diagnostics
// through `rp check --json FILE` (an array of {file, line, col, end?,
// severity, message}, lines and columns from 1; JSON lines are read too).
'use strict';
const { execFile } = require('child_process');
const path = require('path');

// The diagnostics in rp check --json's output: JSON lines, or one array.
function parseDiagnostics(text) {
  const trimmed = text.trim();
  if (!trimmed) return [];
  if (trimmed.startsWith('[')) return JSON.parse(trimmed);
  return trimmed.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
}

function activate(context) {
  const vscode = require('vscode');
  const rpPath = () => vscode.workspace.getConfiguration('rp').get('path', 'rp');
  const collection = vscode.languages.createDiagnosticCollection('rp');
  context.subscriptions.push(collection);

  const severity = (s) =>
    s === 'error' ? vscode.DiagnosticSeverity.Error
      : s === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information;

  function check(doc) {
    if (doc.languageId !== 'rp' || doc.uri.scheme !== 'file') return;
    if (!vscode.workspace.getConfiguration('rp').get('checkOnSave', true)) return;
    // exit 2 means "errors found": the output is still the diagnostics
    execFile(rpPath(), ['check', '--json', doc.fileName], { cwd: path.dirname(doc.fileName) }, (err, stdout) => {
      let found;
      try {
        found = parseDiagnostics(stdout);
      } catch (e) {
        collection.delete(doc.uri);
        return;
      }
      collection.set(doc.uri, found
        .filter((d) => !d.file || path.resolve(path.dirname(doc.fileName), d.file) === doc.fileName)
        .map((d) => {
          const line = Math.max(0, (d.line || 1) - 1), col = Math.max(0, (d.col || 1) - 1);
          // `end` (exclusive, same line) when rp underlines more than a point
          const end = d.end && d.end.line === d.line && d.end.col > d.col ? d.end.col - 1 : col + 1;
          const diag = new vscode.Diagnostic(new vscode.Range(line, col, line, end), d.message, severity(d.severity));
          diag.source = 'rp check';
          return diag;
        }));
    });
  }

  context.subscriptions.push(
    vscode.workspace.onDidOpenTextDocument(check),
    vscode.workspace.onDidSaveTextDocument(check),
    vscode.workspace.onDidCloseTextDocument((doc) => collection.delete(doc.uri)),
    vscode.languages.registerDocumentFormattingEditProvider('rp', {
      provideDocumentFormattingEdits(doc) {
        return new Promise((resolve) => {
          const child = execFile(rpPath(), ['fmt', '-'], { cwd: path.dirname(doc.fileName) }, (err, stdout) => {
            // a file that does not parse is left alone; check shows why
            if (err) return resolve([]);
            const all = new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length));
            resolve(stdout === doc.getText() ? [] : [vscode.TextEdit.replace(all, stdout)]);
          });
          child.stdin.end(doc.getText());
        });
      },
    }));
  vscode.workspace.textDocuments.forEach(check);
}

function deactivate() {}

module.exports = { activate, deactivate, parseDiagnostics };
