// The tracepipe commands the manifests run, checked against the binary: the
// subcommand and every --flag (its --help), every TRACEPIPE_* environment
// variable (`tracepipe config`, or the subcommand's own "Env:"), every key of
// the mounted configuration file, every $(VAR) in the arguments, every
// file:/run/secrets/… path; and each container's effective settings (the
// defaults, then the file, the environment and the flags, in tracepipe's
// order), which rules.mjs checks further.
import { dirname, basename } from "node:path";
import { parseYaml, podSpecOf } from "./render.mjs";

/// The Secret's keys, as deploy/README.md documents them.
export const secretName = "tracepipe";
export const secretKeys = ["redis-url", "redis-cluster", "redis-password", "clickhouse-password",
  "s3-access-key", "s3-secret-key", "api-keys", "api-key"];
export const secretDir = "/run/secrets/tracepipe";

export function runsTracepipe(container) {
  const image = (container.image ?? "").replace(/[:@].*$/, "");
  return /(^|\/)tracepipe$/.test(image) && (!container.command || container.command[0] === "tracepipe");
}

/// Parses a tracepipe container's arguments. report(field, problem) is called
/// for each problem.
export function parseInvocation(container, binary, report) {
  const args = [...(container.command?.slice(1) ?? []), ...(container.args ?? [])];
  const field = container.command ? "command/args" : "args";
  const path = [];
  while (path.length < args.length && !args[path.length].startsWith("-")) {
    const candidate = [...path, args[path.length]].join(" ");
    if (!binary.help(candidate)) break;
    path.push(args[path.length]);
  }
  const command = path.join(" ");
  if (!command) {
    report(`${field}[0]`, `'${args[0] ?? ""}' is not a tracepipe subcommand`);
    return null;
  }
  const help = binary.help(command);
  const flags = new Map();
  const positionals = [];
  for (let i = path.length; i < args.length; i++) {
    const token = args[i];
    if (!token.startsWith("-")) {
      positionals.push(token);
      continue;
    }
    const [name, inline] = token.split(/=(.*)/s);
    const takesValue = help.flags.get(name);
    if (takesValue === undefined) {
      report(`${field}[${i}]`, `unknown flag ${name} for 'tracepipe ${command}' (not in its --help)`);
      continue;
    }
    const value = inline ?? (takesValue ? args[++i] : undefined);
    flags.set(name, value);
  }
  return { command, help, flags, positionals };
}

/// The container's environment: [{name, value, from}] in the order the
/// kubelet applies them (envFrom, then env), ConfigMap values resolved.
export function environmentOf(container, configMaps, report) {
  const env = [];
  for (const [i, source] of (container.envFrom ?? []).entries()) {
    if (!source.configMapRef) continue;
    const cm = configMaps.get(source.configMapRef.name);
    if (!cm) report(`envFrom[${i}]`, `ConfigMap ${source.configMapRef.name} is not in this overlay's manifests`);
    for (const [name, value] of Object.entries(cm?.data ?? {}))
      env.push({ name, value, from: `envFrom[${i}] (ConfigMap ${source.configMapRef.name})` });
  }
  for (const [i, e] of (container.env ?? []).entries()) {
    let value = e.value;
    const ref = e.valueFrom?.configMapKeyRef;
    if (ref) {
      value = configMaps.get(ref.name)?.data?.[ref.key];
      if (value === undefined && !ref.optional) report(`env[${i}]`, `ConfigMap ${ref.name} has no key ${ref.key} in this overlay's manifests`);
    }
    const secret = e.valueFrom?.secretKeyRef;
    if (secret) {
      value = "(secret)";
      if (secret.name !== secretName || !secretKeys.includes(secret.key))
        report(`env[${i}]`, `Secret ${secret.name} key ${secret.key} is not one deploy/README.md documents (${secretName}: ${secretKeys.join(", ")})`);
    }
    env.push({ name: e.name, value, from: `env[${i}]` });
  }
  return env;
}

/// Flattens the YAML config file as tracepipe's loader does: nested maps →
/// dotted keys, lists → comma-joined.
function flatten(node, prefix, out) {
  if (node && typeof node === "object" && !Array.isArray(node)) {
    for (const [k, v] of Object.entries(node)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out.set(prefix, Array.isArray(node) ? node.join(",") : String(node ?? ""));
  }
  return out;
}

/// The configuration file --config names, from the ConfigMap mounted there.
export function configFileOf(container, podSpec, configMaps, file, report) {
  const mount = (container.volumeMounts ?? []).find((m) => m.mountPath === dirname(file));
  const volume = podSpec.volumes?.find((v) => v.name === mount?.name);
  const cm = configMaps.get(volume?.configMap?.name);
  const text = cm?.data?.[basename(file)];
  if (text === undefined) {
    report("args", `--config ${file}: no ConfigMap with a key ${basename(file)} is mounted at ${dirname(file)}`);
    return new Map();
  }
  return flatten(parseYaml(text, `ConfigMap ${cm.metadata.name}`)[0] ?? {}, "", new Map());
}

/// Checks one tracepipe container; returns its effective settings.
export function checkContainer(doc, container, ctx) {
  const { binary, configMaps, report } = ctx;
  const podSpec = podSpecOf(doc);
  const at = (field, problem) => report(`containers[${container.name}].${field}`, problem);
  const run = parseInvocation(container, binary, at);
  const env = environmentOf(container, configMaps, at);
  ctx.stats.containers++;
  ctx.stats.flags += run?.flags.size ?? 0;
  ctx.stats.variables += env.filter((e) => e.name.startsWith("TRACEPIPE_")).length;
  const keys = new Map(binary.keys.map((k) => [k.key, k]));
  const settings = binary.defaults();

  const file = run?.flags.get("--config");
  if (file) {
    for (const [key, value] of configFileOf(container, podSpec, configMaps, file, at)) {
      ctx.stats.keys++;
      if (!keys.has(key)) at("args", `${file} (ConfigMap): unknown configuration key '${key}' (not in \`tracepipe config\`)`);
      else settings.set(key, value);
      checkSecretFile(value, `${file}: ${key}`, "args", container, at);
    }
  }
  const envNames = binary.envNames();
  const declared = new Set(env.map((e) => e.name));
  for (const e of env) {
    if (e.name.startsWith("TRACEPIPE_") && !envNames.has(e.name) && !run?.help?.env.has(e.name))
      at(e.from, `${e.name}: not a tracepipe environment variable (not in \`tracepipe config\` nor 'tracepipe ${run?.command} --help')`);
    const key = binary.keys.find((k) => k.env.includes(e.name));
    if (key && e.value !== undefined) settings.set(key.key, e.value);
    checkSecretFile(e.value, e.name, e.from, container, at);
  }
  for (const [flag, value] of run?.flags ?? []) {
    const key = binary.keys.find((k) => k.flag === flag);
    if (key && value !== undefined) settings.set(key.key, value);
  }
  // $(VAR) is expanded by the kubelet only from the container's own
  // variables (and, in an Indexed Job's pods, JOB_COMPLETION_INDEX); any
  // other stays as literal text.
  const indexed = doc.kind === "Job" && doc.spec.completionMode === "Indexed";
  for (const [i, arg] of [...(container.command ?? []), ...(container.args ?? [])].entries())
    for (const [, name] of String(arg).matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g))
      if (!declared.has(name) && !(indexed && name === "JOB_COMPLETION_INDEX"))
        at(`args[${i}]`, `$(${name}) is not a variable of this container${name === "JOB_COMPLETION_INDEX" ? " (only an Indexed Job's pods have it)" : ""}`);
  return { run, env, settings };
}

/// file:/run/secrets/tracepipe/KEY: a documented key of the Secret, mounted there.
function checkSecretFile(value, what, field, container, at) {
  const m = typeof value === "string" && value.match(/^file:(.*)$/);
  if (!m) return;
  if (dirname(m[1]) !== secretDir || !secretKeys.includes(basename(m[1])))
    at(field, `${what}: ${m[1]} is not a key of the Secret ${secretName} (deploy/README.md: ${secretKeys.join(", ")})`);
  else if (!(container.volumeMounts ?? []).some((v) => v.mountPath === secretDir))
    at("volumeMounts", `${what} reads ${m[1]}, but nothing is mounted at ${secretDir}`);
}
