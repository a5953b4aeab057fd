// deploy/image/Dockerfile, statically (no Docker engine here): a Debian 12
// build stage that installs what tools/setup.sh --build-only installs, a
// debian:12-slim runtime stage with the packages of every library the
// binary links and nothing to build with, a numeric non-root user, and
// nothing but the binary copied in (no configuration, no secret).
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";

/// → {problems: [string], user: uid, notes: [string]}
export function checkImage(root, binary) {
  const problems = [];
  const notes = [];
  const file = "deploy/image/Dockerfile";
  const text = readFileSync(`${root}/${file}`, "utf8").replace(/\\\n/g, " ");
  const stages = [];
  for (const line of text.split("\n")) {
    const m = line.trim().match(/^([A-Z]+)\s+(.*)$/);
    if (!m || line.trim().startsWith("#")) continue;
    if (m[1] === "FROM") stages.push({ from: m[2].split(/\s+/)[0], name: m[2].split(/\s+as\s+/i)[1], lines: [] });
    else stages.at(-1)?.lines.push({ op: m[1], arg: m[2] });
  }
  const [build, runtime] = [stages[0], stages.at(-1)];
  const say = (problem) => problems.push(`${file}: ${problem}`);
  if (stages.length !== 2) say(`${stages.length} stages; want two (build, runtime)`);
  if (build?.from !== "debian:12") say(`build stage FROM ${build?.from}: want debian:12, the machine tools/setup.sh sets up`);
  if (runtime?.from !== "debian:12-slim") say(`runtime stage FROM ${runtime?.from}: want debian:12-slim`);
  if (!build?.lines.some((l) => l.op === "RUN" && /\btools\/setup\.sh --build-only\b/.test(l.arg)))
    say("the build stage does not RUN tools/setup.sh --build-only (its package list is the one source)");
  if (!build?.lines.some((l) => l.op === "RUN" && /--target tracepipe\b/.test(l.arg))) say("the build stage does not build the tracepipe target");

  const installed = new Set();
  for (const l of runtime?.lines ?? []) {
    if (l.op === "RUN")
      for (const [, list] of l.arg.matchAll(/apt-get install ((?:[^&;])*)/g))
        for (const p of list.split(/\s+/)) if (p && !p.startsWith("-")) installed.add(p);
    if (l.op === "COPY" && !/^--from=/.test(l.arg)) say(`runtime stage COPY ${l.arg}: only the binary, from the build stage (no configuration or secret in the image)`);
    if ((l.op === "ENV" || l.op === "ARG") && /(PASSWORD|SECRET|KEY|TOKEN)/i.test(l.arg)) say(`runtime stage ${l.op} ${l.arg}: secrets come from the Secret, never the image`);
  }
  for (const p of installed) if (p.endsWith("-dev")) say(`runtime stage installs ${p}: a build package`);
  const user = runtime?.lines.filter((l) => l.op === "USER").at(-1)?.arg ?? "";
  const uid = Number(user.split(":")[0]);
  if (!/^\d+(:\d+)?$/.test(user) || uid === 0) say(`USER '${user}': want a numeric uid other than 0 (runAsNonRoot checks it without /etc/passwd)`);

  // libc6 is Essential in Debian: every image has it.
  for (const [lib, pkg] of binary.neededPackages())
    if (pkg !== "libc6" && !installed.has(pkg)) say(`the binary links ${lib} (package ${pkg}), which the runtime stage does not install`);

  // setup.sh's build packages, each with the runtime package it brings, for the record.
  const setup = readFileSync(`${root}/tools/setup.sh`, "utf8");
  const list = setup.match(/build_packages=\(([^)]*)\)/)?.[1].split(/\s+/).filter(Boolean) ?? [];
  if (list.length === 0) say("tools/setup.sh has no build_packages list");
  const needed = new Set(binary.neededPackages().values());
  for (const dev of list.filter((p) => p.endsWith("-dev"))) {
    let depends;
    try {
      depends = execFileSync("dpkg-query", ["-W", "-f=${Depends}", dev], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    } catch {
      notes.push(`${dev} → ? (not installed here)`);
      continue;
    }
    const runtimeOf = depends.split(/[,|]/).map((d) => d.trim().split(/[\s(]/)[0]).find((d) => needed.has(d));
    notes.push(`${dev} → ${runtimeOf ?? "build only"}`);
  }
  const ignore = readFileSync(`${root}/.dockerignore`, "utf8").split("\n").map((l) => l.trim());
  for (const pattern of ["build*", ".deps", ".git"]) if (!ignore.includes(pattern)) problems.push(`.dockerignore: no '${pattern}' (a host build or the .git folder would enter the image's build)`);
  return { problems, user: uid, notes };
}
