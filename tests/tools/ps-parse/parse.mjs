// Parses each PowerShell file given on the command line with the tree-sitter PowerShell grammar and prints one
// line per syntax error:  <file>:<line>:<column>: ERROR|MISSING <detail>
// Exit code: 0 when every file parses cleanly, 1 when any file has a syntax error, 2 on a usage or load failure.
// Lines and columns are 1-based; columns count UTF-16 code units as tree-sitter reports them on decoded text.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import { Parser, Language } from 'web-tree-sitter';

const require = createRequire(import.meta.url);
const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node parse.mjs <file.ps1|psm1|psd1>...');
  process.exit(2);
}

await Parser.init();
const language = await Language.load(require.resolve('tree-sitter-powershell/tree-sitter-powershell.wasm'));
const parser = new Parser();
parser.setLanguage(language);

let failed = false;
for (const file of files) {
  let text = fs.readFileSync(file, 'utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a UTF-8 BOM is not part of the script
  const tree = parser.parse(text);
  const problems = [];
  const walk = (node) => {
    if (node.isMissing) {
      problems.push({ node, kind: 'MISSING', detail: `expected ${node.type}` });
    } else if (node.type === 'ERROR') {
      const snippet = node.text.split(/\r?\n/)[0].slice(0, 60);
      problems.push({ node, kind: 'ERROR', detail: `unexpected '${snippet}'` });
      // Report the outermost ERROR only; what is inside is noise.
      return;
    }
    if (!node.hasError && !node.isMissing) return;
    for (const child of node.children) walk(child);
  };
  if (tree.rootNode.hasError) walk(tree.rootNode);
  for (const { node, kind, detail } of problems) {
    const { row, column } = node.startPosition;
    console.log(`${file}:${row + 1}:${column + 1}: ${kind} ${detail}`);
  }
  if (problems.length > 0 || tree.rootNode.hasError) failed = true;
  if (tree.rootNode.hasError && problems.length === 0) console.log(`${file}:1:1: ERROR the parse tree has an error the walk did not locate`);
  tree.delete();
}
process.exit(failed ? 1 : 0);
