// Parses PowerShell scripts with the tree-sitter-powershell grammar and
// fails on syntax errors. There is no PowerShell on Linux CI machines; this
// is the closest check available (a grammar, not PowerShell's own parser).
// Usage: NODE_PATH=<node_modules with web-tree-sitter and
// tree-sitter-powershell> node check.mjs FILE...
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import path from "node:path";

const require = createRequire(path.join(process.env.NODE_PATH ?? ".", "x.js"));
const { Parser, Language } = require("web-tree-sitter");
await Parser.init();
const wasm = require.resolve("tree-sitter-powershell/tree-sitter-powershell.wasm");
const parser = new Parser();
parser.setLanguage(await Language.load(wasm));

let bad = 0;
for (const file of process.argv.slice(2)) {
  const tree = parser.parse(readFileSync(file, "utf8"));
  const walk = (n) => {
    if (n.isError || n.isMissing) {
      bad++;
      console.log(`${file}:${n.startPosition.row + 1}:${n.startPosition.column + 1}: syntax error near ${JSON.stringify(n.text.slice(0, 60))}`);
      return;
    }
    for (const c of n.children) walk(c);
  };
  walk(tree.rootNode);
  if (!tree.rootNode.hasError) console.log(`ok   ${file} parses (tree-sitter-powershell)`);
}
process.exit(bad ? 1 : 0);
