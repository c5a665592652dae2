// usage: node list-packages.js PROJECTDIR
// Prints "DIR NAME VERSION" for every real (non-symlink) package directory under
// PROJECTDIR/node_modules: a dir named node_modules/<name> or node_modules/@scope/<name>
// holding a package.json with a "name" field. Symlinks are not followed.
const fs = require('fs'), path = require('path');
const root = process.argv[2];
const out = [];
function walk(rel) {
  let ents;
  try { ents = fs.readdirSync(path.join(root, rel), { withFileTypes: true }); } catch { return; }
  for (const e of ents) {
    if (!e.isDirectory()) continue; // skips symlinks
    const r = rel + '/' + e.name;
    const parentBase = path.basename(rel);
    const grand = path.basename(path.dirname(rel));
    const isPkg = (parentBase === 'node_modules' && !e.name.startsWith('@') && !e.name.startsWith('.')) ||
                  (grand === 'node_modules' && parentBase.startsWith('@'));
    if (isPkg) {
      const pj = path.join(root, r, 'package.json');
      if (fs.existsSync(pj)) {
        const j = JSON.parse(fs.readFileSync(pj, 'utf8'));
        if (j.name) out.push(`${r} ${j.name} ${j.version}`);
        else process.stderr.write(`no name: ${r}\n`);
      } else process.stderr.write(`no package.json: ${r}\n`);
    }
    walk(r);
  }
}
walk('node_modules');
out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
process.stdout.write(out.join('\n') + '\n');
