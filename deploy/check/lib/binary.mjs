// What the tracepipe binary under check says about itself: its subcommands'
// flags (--help), its configuration keys (`tracepipe config`), the metric
// names compiled into it, and the Debian packages of the libraries it links.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

export class Binary {
  constructor(path) {
    this.path = path;
    this.helps = new Map();
    this.version = this.run(["--version"]).trim();
    this.keys = parseConfigTable(this.run(["config"]));
    this.bytes = readFileSync(path);
  }

  run(args) {
    return execFileSync(this.path, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  }

  /// The help of a subcommand path ("report merge"), or null when the binary
  /// has no such subcommand (CLI11 then shows the parent's help, whose Usage
  /// line names the parent).
  help(command) {
    if (!this.helps.has(command)) {
      const text = this.run([...command.split(" "), "--help"]);
      const usage = text.match(/^Usage: tracepipe ((?:[a-z][\w-]* ?)*)/m);
      const named = usage ? usage[1].replace(/ *\[.*$/, "").trim() : "";
      this.helps.set(command, named === command ? parseHelp(text) : null);
    }
    return this.helps.get(command);
  }

  /// Every environment variable `tracepipe config` lists (aliases included).
  envNames() {
    return new Set(this.keys.flatMap((k) => k.env));
  }

  /// A configuration key's default as `tracepipe config` prints it.
  defaults() {
    return new Map(this.keys.map((k) => [k.key, k.default]));
  }

  exportsMetric(name) {
    return typeof name === "string" && /^[a-z_:][a-z0-9_:]*$/.test(name) && this.bytes.includes(Buffer.from(`${name}\0`));
  }

  /// Debian packages providing the shared libraries the binary links
  /// directly (objdump's NEEDED entries, dpkg -S).
  neededPackages() {
    if (this.needed) return this.needed;
    const dump = execFileSync("objdump", ["-p", this.path], { encoding: "utf8" });
    const libs = [...dump.matchAll(/^\s*NEEDED\s+(\S+)/gm)].map((m) => m[1]);
    // One dpkg-query for all: each call reads every package's file list.
    const owners = execFileSync("dpkg-query", ["-S", ...libs.map((l) => `*/${l}`)], { encoding: "utf8" });
    const packages = new Map();
    for (const [, pkg, file] of owners.matchAll(/^([^:\s]+)(?::\w+)?: (\S+)$/gm)) {
      const lib = file.split("/").pop();
      if (libs.includes(lib) && !packages.has(lib) && !pkg.endsWith("-dev") && !/i386|^lib32|^libx32/.test(pkg)) packages.set(lib, pkg);
    }
    for (const lib of libs) if (!packages.has(lib)) packages.set(lib, `(no package has ${lib})`);
    return (this.needed = packages);
  }
}

/// `tracepipe config`'s Markdown table → [{key, flag, env: [...], default}].
function parseConfigTable(text) {
  const rows = [];
  for (const line of text.split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    if (cells.length < 7 || !cells[1].startsWith("`")) continue;
    const unquote = (c) => [...c.matchAll(/`([^`]*)`/g)].map((m) => m[1]);
    rows.push({ key: unquote(cells[1])[0], flag: unquote(cells[2])[0], env: unquote(cells[3]), default: unquote(cells[4])[0] ?? "" });
  }
  if (rows.length === 0) throw new Error("`tracepipe config` printed no table");
  return rows;
}

/// CLI11 help → {flags: Map(--name → takes a value), env: Set}.
function parseHelp(text) {
  const flags = new Map();
  for (const m of text.matchAll(/^ {2}(?:-\w,)?(--[\w-]+)([^\n]*)/gm)) {
    // "--out TEXT", "--rate FLOAT": a value follows; "--quiet  No progress": none.
    flags.set(m[1], /^ [A-Z]/.test(m[2]) || /^[=:]/.test(m[2]));
  }
  const env = new Set([...text.matchAll(/\(Env:([A-Z0-9_]+)\)/g)].map((m) => m[1]));
  return { flags, env };
}
