// The LangSmith JS SDK from the repo's .deps (tools/setup.sh), loaded
// through its package "exports" — the way an application importing
// `langsmith` and `langsmith/traceable` gets it. Loaded when called, so a
// script can install its console hooks first.
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..", "..", "..");
const pkgDir = path.join(repo, ".deps", "node_modules", "langsmith");

export async function loadLangsmith() {
  const require = createRequire(path.join(repo, ".deps", "node_modules", "package.json"));
  const pkg = require(path.join(pkgDir, "package.json"));
  const esm = (subpath) => {
    const entry = pkg.exports[subpath];
    const file = typeof entry === "string" ? entry : entry.import ?? entry.default;
    return import(pathToFileURL(path.join(pkgDir, file)).href);
  };
  const { Client, RunTree } = await esm(".");
  const { traceable, getCurrentRunTree } = await esm("./traceable");
  return { version: pkg.version, Client, RunTree, traceable, getCurrentRunTree };
}
