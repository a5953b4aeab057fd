// Renders a kustomization two ways: `kubectl kustomize` when kubectl is on
// the machine, and this file's own renderer, which covers exactly what
// deploy/ uses (resources, namespace, images, configMapGenerator without name
// hashes, JSON6902 patches, `$patch: delete`) and refuses anything else. Where
// both run, check.mjs requires the same documents from both; where kubectl
// is missing (it is not in Debian 12's packages), the check goes on.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { parseAllDocuments } from "yaml";

export function parseYaml(text, where) {
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length) throw new Error(`${where}: ${doc.errors[0].message}`);
    const value = doc.toJS();
    return value == null ? [] : [value];
  });
}

export function kubectlRender(dir) {
  try {
    execFileSync("kubectl", ["version", "--client"], { stdio: "ignore" });
  } catch {
    return null;
  }
  return parseYaml(execFileSync("kubectl", ["kustomize", dir], { encoding: "utf8" }), `kubectl kustomize ${dir}`);
}

export function kubectlVersion() {
  try {
    return execFileSync("kubectl", ["version", "--client"], { encoding: "utf8" }).replace(/\n(?=.)/g, ", ").trim();
  } catch {
    return null;
  }
}

const known = new Set(["apiVersion", "kind", "namespace", "resources", "images", "generatorOptions", "configMapGenerator", "patches"]);

/// → [{doc, source}]: each document and the file it came from.
export function render(dir, root) {
  const file = join(dir, "kustomization.yaml");
  const where = relative(root, file);
  const [k] = parseYaml(readFileSync(file, "utf8"), where);
  for (const field of Object.keys(k))
    if (!known.has(field)) throw new Error(`${where}: '${field}' is not handled by the fallback renderer (deploy/check/lib/render.mjs)`);
  const out = [];
  for (const r of k.resources ?? []) {
    const path = resolve(dir, r);
    if (statSync(path).isDirectory()) out.push(...render(path, root));
    else for (const doc of parseYaml(readFileSync(path, "utf8"), relative(root, path))) out.push({ doc, source: relative(root, path) });
  }
  const hashless = k.generatorOptions?.disableNameSuffixHash === true;
  for (const g of k.configMapGenerator ?? []) generate(g, dir, out, where, hashless || g.options?.disableNameSuffixHash === true);
  for (const p of k.patches ?? []) patch(p, dir, out, where);
  for (const { doc } of out) {
    if (k.namespace && doc.kind !== "Namespace") doc.metadata.namespace = k.namespace;
    for (const c of containersOf(doc)) for (const img of k.images ?? []) retag(c, img);
  }
  return out;
}

function generate(g, dir, out, where, hashless) {
  if (!hashless) throw new Error(`${where}: configMapGenerator '${g.name}' needs disableNameSuffixHash (the fallback renderer makes no hashes)`);
  const data = {};
  for (const f of g.files ?? []) {
    const [key, path] = f.includes("=") ? f.split("=", 2) : [basename(f), f];
    data[key] = readFileSync(resolve(dir, path), "utf8");
  }
  for (const e of g.envs ?? [])
    for (const line of readFileSync(resolve(dir, e), "utf8").split("\n")) {
      if (!line.trim() || line.trimStart().startsWith("#")) continue;
      const eq = line.indexOf("=");
      data[line.slice(0, eq).trim()] = line.slice(eq + 1);
    }
  for (const l of g.literals ?? []) data[l.slice(0, l.indexOf("="))] = l.slice(l.indexOf("=") + 1);
  const existing = out.find(({ doc }) => doc.kind === "ConfigMap" && doc.metadata.name === g.name);
  const behavior = g.behavior ?? "create";
  if (behavior === "create") {
    if (existing) throw new Error(`${where}: ConfigMap ${g.name} exists already (behavior: merge or replace)`);
    out.push({ doc: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: g.name }, data }, source: where });
  } else if (!existing) {
    throw new Error(`${where}: configMapGenerator ${g.name} (${behavior}): no such ConfigMap to ${behavior}`);
  } else {
    existing.doc.data = behavior === "merge" ? { ...existing.doc.data, ...data } : data;
  }
}

function patch(p, dir, out, where) {
  const text = p.patch ?? readFileSync(resolve(dir, p.path), "utf8");
  const [body] = parseYaml(text, `${where} patch`);
  if (!Array.isArray(body)) {
    if (body?.$patch !== "delete") throw new Error(`${where}: only JSON6902 patches and '$patch: delete' are handled by the fallback renderer`);
    const i = out.findIndex(({ doc }) => doc.kind === body.kind && doc.metadata.name === body.metadata.name);
    if (i < 0) throw new Error(`${where}: $patch: delete of ${body.kind}/${body.metadata.name}: no such resource`);
    out.splice(i, 1);
    return;
  }
  const targets = out.filter(({ doc }) => doc.kind === p.target?.kind && doc.metadata.name === p.target?.name);
  if (targets.length === 0) throw new Error(`${where}: patch target ${p.target?.kind}/${p.target?.name} matches nothing`);
  for (const { doc } of targets) for (const op of body) jsonPatch(doc, op, `${where}: patch of ${p.target.kind}/${p.target.name}`);
}

/// RFC 6902 add, remove, replace and test.
function jsonPatch(doc, op, where) {
  const keys = op.path.split("/").slice(1).map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  const last = keys.pop();
  let parent = doc;
  for (const key of keys) {
    parent = parent?.[Array.isArray(parent) ? Number(key) : key];
    if (parent === undefined) throw new Error(`${where}: ${op.op} ${op.path}: no such path`);
  }
  const index = Array.isArray(parent) ? (last === "-" ? parent.length : Number(last)) : last;
  const present = Array.isArray(parent) ? index < parent.length : Object.hasOwn(parent, index);
  if (op.op === "add") {
    if (Array.isArray(parent)) parent.splice(index, 0, op.value);
    else parent[index] = op.value;
  } else if (!present) {
    throw new Error(`${where}: ${op.op} ${op.path}: no such path`);
  } else if (op.op === "replace") {
    parent[index] = op.value;
  } else if (op.op === "remove") {
    if (Array.isArray(parent)) parent.splice(index, 1);
    else delete parent[index];
  } else if (op.op === "test") {
    if (JSON.stringify(parent[index]) !== JSON.stringify(op.value))
      throw new Error(`${where}: test ${op.path} failed: ${JSON.stringify(parent[index])} is not ${JSON.stringify(op.value)}`);
  } else {
    throw new Error(`${where}: op '${op.op}' is not handled by the fallback renderer`);
  }
}

function retag(container, img) {
  const [name, tag] = splitImage(container.image);
  if (name !== img.name) return;
  const newTag = img.newTag ?? tag;
  container.image = (img.newName ?? name) + (newTag ? `:${newTag}` : "");
}

function splitImage(image) {
  const slash = image.lastIndexOf("/");
  const colon = image.indexOf(":", slash + 1);
  return colon < 0 ? [image, undefined] : [image.slice(0, colon), image.slice(colon + 1)];
}

/// Containers of any workload kind (Pod, or a template inside a Deployment or Job).
export function containersOf(doc) {
  const spec = podSpecOf(doc);
  return spec ? [...(spec.initContainers ?? []), ...(spec.containers ?? [])] : [];
}

export function podSpecOf(doc) {
  if (doc.kind === "Pod") return doc.spec;
  return doc.spec?.template?.spec ?? doc.spec?.jobTemplate?.spec?.template?.spec ?? null;
}

export function kustomizations(dir) {
  const found = [];
  const walk = (d) => {
    if (existsSync(join(d, "kustomization.yaml"))) found.push(d);
    for (const name of readdirSync(d).sort()) if (statSync(join(d, name)).isDirectory()) walk(join(d, name));
  };
  walk(dir);
  return found;
}
