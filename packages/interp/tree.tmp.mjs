import { parser } from '@lezer/python';
const src = process.argv[2];
const tree = parser.parse(src);
function show(node, depth) {
  let s = '  '.repeat(depth) + (node.type.isError ? '⚠' : node.name) + ' ' + JSON.stringify(src.slice(node.from, node.to)).slice(0, 60);
  console.log(s);
  for (let c = node.firstChild; c; c = c.nextSibling) show(c, depth + 1);
}
show(tree.topNode, 0);
