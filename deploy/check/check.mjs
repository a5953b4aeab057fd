// deploy/'s offline check (bash deploy/check.sh BINARY runs it): renders
// every overlay, validates every document against its kind's schema, checks
// the tracepipe commands, variables and configuration keys they use against
// the binary, the rules between the documents (lib/rules.mjs), and the image
// definition. Every problem is printed with the overlay, the document, its
// source file and the field; exit 1 if there is any.
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Binary } from "./lib/binary.mjs";
import { checkImage } from "./lib/image.mjs";
import { kubectlRender, kubectlVersion, kustomizations, podSpecOf, render } from "./lib/render.mjs";
import { checkOverlay } from "./lib/rules.mjs";
import { checkFields, validateModels } from "./lib/schema.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const started = Date.now();
const problems = [];
const fail = (text) => problems.push(text);

if (!process.argv[2]) {
  console.error("usage: node check.mjs PATH/TO/tracepipe");
  process.exit(2);
}
const binary = new Binary(resolve(process.argv[2]));
console.log(`deploy/check: ${binary.version} (${process.argv[2]}), ${binary.keys.length} configuration keys`);

// The image definition.
const image = checkImage(root, binary);
image.problems.forEach(fail);
console.log(`image    deploy/image/Dockerfile: its stages against tools/setup.sh --build-only and the ${binary.neededPackages().size} libraries ` +
  `the binary links; USER\n         setup.sh's build packages → runtime: ${image.notes.join(", ")}`);

// Every overlay, rendered.
const info = new Map();  // doc → {kustomization, source}
const overlays = new Map();  // "local" → docs of overlays/local and overlays/local/rehearsal
const broken = new Set();  // overlays with a kustomization that did not render
const kubectl = kubectlVersion();
let compared = 0;
const dirs = kustomizations(`${root}/deploy/overlays`);
for (const dir of dirs) {
  const where = relative(root, dir);
  const name = relative(`${root}/deploy/overlays`, dir).split("/")[0];
  let rendered;
  try {
    rendered = render(dir, root);
  } catch (e) {
    fail(`${where}: ${e.message}`);
    broken.add(name);
    continue;
  }
  if (kubectl) {
    try {
      if (compare(where, kubectlRender(dir), rendered.map((r) => r.doc))) compared++;
    } catch (e) {
      fail(`${where}: kubectl kustomize: ${e.message.split("\n").slice(0, 3).join(" ")}`);
    }
  }
  if (!overlays.has(name)) overlays.set(name, []);
  for (const { doc, source } of rendered) {
    info.set(doc, { kustomization: where, source });
    overlays.get(name).push(doc);
  }
}
const all = [...info.keys()];
console.log(`render   ${info.size} documents from ${[...overlays.keys()].map((o) => `overlays/${o}`).join(", ")} ` +
  (kubectl ? `(kubectl ${kubectl.replace(/Client Version: /, "")}; the fallback renderer gives the same documents for ${compared} of ${dirs.length} kustomizations)` : "(the fallback renderer: kubectl is not on this machine)"));

function compare(where, theirs, ours) {
  const key = (d) => `${d.kind}/${d.metadata?.namespace ?? ""}/${d.metadata?.name}`;
  const mine = new Map(ours.map((d) => [key(d), d]));
  const before = problems.length;
  if (theirs.length !== ours.length) fail(`${where}: kubectl kustomize gives ${theirs.length} documents, the fallback renderer ${ours.length}`);
  for (const d of theirs) {
    const other = mine.get(key(d));
    const diff = other ? firstDifference(d, other, "") : "(missing)";
    if (diff !== null) fail(`${where}: ${key(d)}: kubectl kustomize and the fallback renderer differ at ${diff}`);
  }
  return problems.length === before;
}

function firstDifference(a, b, path) {
  if (a && b && typeof a === "object" && typeof b === "object") {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference(a[k], b[k], path ? `${path}.${k}` : k);
      if (d !== null) return d;
    }
    return null;
  }
  return a === b ? null : `${path || "(document)"} (${JSON.stringify(a)} vs ${JSON.stringify(b)})`;
}

// Where a problem is: overlay · Kind/name (source file) · field.
function locate(doc, field) {
  const { kustomization, source } = info.get(doc) ?? {};
  const prefix = podSpecOf(doc) && /^(containers|volumes|securityContext)/.test(field) ? (doc.kind === "Pod" ? "spec." : "spec.template.spec.") : "";
  const full = /^template\./.test(field) ? `spec.${field}` : `${prefix}${field}`;
  return `${kustomization} · ${doc.kind}/${doc.metadata?.name} (${source})${full ? ` · ${full}` : ""}`;
}

// Schemas.
const ids = all.map((doc, i) => ({ id: i, doc }));
const schemaProblems = [...validateModels(ids), ...checkFields(ids)];
for (const p of schemaProblems) fail(typeof p.id === "number" ? `${locate(all[p.id], p.where)}: ${p.problem}` : `${p.id}: ${p.problem}`);
const kinds = [...new Set(all.map((d) => d.kind))].sort();
console.log(`schema   ${kinds.join(", ")}: validate() of kubernetes-models / @kubernetes-models/keda, and unknown fields (TypeScript)`);

// The rules and the tracepipe commands, per overlay.
const stats = { containers: 0, flags: 0, variables: 0, keys: 0 };
const report = (doc, field, problem) => fail(`${locate(doc, field)}: ${problem}`);
for (const [name, docs] of overlays) {
  // A kustomization that did not render leaves its siblings' references dangling: its failure is the news.
  if (broken.has(name)) continue;
  try {
    checkOverlay(docs, { binary, report, stats, imageUser: image.user });
  } catch (e) {
    fail(`overlays/${name}: the check itself failed: ${e.stack.split("\n").slice(0, 2).join(" ")}`);
  }
}
console.log(`commands ${stats.containers} tracepipe containers: subcommands, ${stats.flags} --flags (their --help), ${stats.variables} TRACEPIPE_* variables and ${stats.keys} config file keys (\`tracepipe config\`), $(VARS), secret files`);
console.log("rules    references, ports, probes, scrape annotations, drain vs grace period, KEDA streams and metrics, generators' N, resources, security");

const took = ((Date.now() - started) / 1000).toFixed(1);
if (problems.length) {
  for (const p of problems) console.log(`FAIL ${p}`);
  console.log(`deploy/check: ${problems.length} problem${problems.length > 1 ? "s" : ""} (${took} s)`);
  process.exit(1);
}
console.log(`deploy/check: ok, ${info.size} documents (${took} s)`);
