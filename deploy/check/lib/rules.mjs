// What must hold between the documents of one overlay (its write path and
// its rehearsal together) and the tracepipe they run: references resolve,
// ports agree, the worker's drain fits its grace period, the KEDA triggers
// read the streams tracepipe writes, the generators' N agrees everywhere.
import { checkContainer, runsTracepipe, secretKeys, secretName } from "./commands.mjs";
import { containersOf, podSpecOf } from "./render.mjs";

export function checkOverlay(docs, ctx) {
  const byKind = (kind) => docs.filter((d) => d.kind === kind);
  const configMaps = new Map(byKind("ConfigMap").map((d) => [d.metadata.name, d]));
  const deployments = new Map(byKind("Deployment").map((d) => [d.metadata.name, d]));
  const runs = new Map();  // doc → [{container, run, settings, env}]

  for (const doc of docs) {
    const report = (field, problem) => ctx.report(doc, field, problem);
    if (doc.kind === "Secret") report("", "a Secret in the manifests: secrets are created out of band (deploy/README.md)");
    // Without one, kubectl puts it in whatever namespace its context names.
    if (doc.kind !== "Namespace" && !doc.metadata?.namespace) report("metadata.namespace", "missing (set namespace: in the kustomization)");
    const spec = podSpecOf(doc);
    if (!spec) continue;
    checkPod(doc, spec, { ...ctx, report, configMaps, docs });
    const list = [];
    for (const c of containersOf(doc))
      if (runsTracepipe(c)) list.push({ container: c, ...checkContainer(doc, c, { ...ctx, configMaps, report }) });
    runs.set(doc, list);
    for (const r of list) checkServer(doc, r, report);
  }
  for (const doc of [...byKind("ScaledObject"), ...byKind("HorizontalPodAutoscaler")]) {
    const target = deployments.get(doc.spec.scaleTargetRef?.name);
    if (!target) ctx.report(doc, "spec.scaleTargetRef", `no Deployment ${doc.spec.scaleTargetRef?.name}`);
    else if (doc.kind === "ScaledObject") checkTriggers(doc, runs.get(target)?.[0], docs, ctx);
  }
  for (const doc of [...byKind("Service"), ...byKind("PodDisruptionBudget")]) {
    const selector = doc.kind === "Service" ? doc.spec.selector : doc.spec.selector?.matchLabels;
    const pods = docs.filter((d) => d.kind !== "Job" && matches(selector, podLabelsOf(d)));
    if (pods.length === 0) ctx.report(doc, "spec.selector", "selects no pods of this overlay");
    for (const port of doc.kind === "Service" ? doc.spec.ports : [])
      if (typeof port.targetPort === "string" && !pods.some((p) => containersOf(p).some((c) => c.ports?.some((cp) => cp.name === port.targetPort))))
        ctx.report(doc, `spec.ports[${port.name}].targetPort`, `no container port named ${port.targetPort}`);
  }
  checkGenerators(docs, runs, ctx);
}

function podLabelsOf(doc) {
  return doc.kind === "Pod" ? doc.metadata.labels : doc.spec?.template?.metadata?.labels;
}

function matches(selector, labels) {
  return !!selector && !!labels && Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function checkPod(doc, spec, { report, configMaps, docs, imageUser }) {
  for (const [i, v] of (spec.volumes ?? []).entries()) {
    if (v.configMap && !configMaps.has(v.configMap.name)) report(`volumes[${i}]`, `ConfigMap ${v.configMap.name} is not in this overlay's manifests`);
    if (v.secret && v.secret.secretName !== secretName) report(`volumes[${i}]`, `Secret ${v.secret.secretName}: the manifests use one Secret, ${secretName}`);
    const claim = v.persistentVolumeClaim?.claimName;
    if (claim && !docs.some((d) => d.kind === "PersistentVolumeClaim" && d.metadata.name === claim))
      report(`volumes[${i}]`, `PersistentVolumeClaim ${claim} is not in this overlay's manifests`);
  }
  if (spec.securityContext?.runAsNonRoot !== true) report("securityContext.runAsNonRoot", "must be true");
  if (Number.isInteger(imageUser) && spec.securityContext?.runAsUser !== imageUser)
    report("securityContext.runAsUser", `${spec.securityContext?.runAsUser}: the image's USER is ${imageUser}`);
  for (const c of containersOf(doc)) {
    const at = (field, problem) => report(`containers[${c.name}].${field}`, problem);
    for (const kind of ["requests", "limits"])
      for (const r of ["cpu", "memory"]) if (c.resources?.[kind]?.[r] === undefined) at(`resources.${kind}.${r}`, "missing");
    if (!/:[\w][\w.-]*$/.test(c.image ?? "") || /:latest$/.test(c.image)) at("image", `${c.image}: give a tag (not latest)`);
    const sc = c.securityContext ?? {};
    if (sc.allowPrivilegeEscalation !== false || sc.readOnlyRootFilesystem !== true || !sc.capabilities?.drop?.includes("ALL"))
      at("securityContext", "want allowPrivilegeEscalation false, readOnlyRootFilesystem true, capabilities.drop [ALL]");
    for (const probe of ["readinessProbe", "livenessProbe"]) {
      const port = c[probe]?.httpGet?.port;
      if (typeof port === "string" && !c.ports?.some((p) => p.name === port)) at(`${probe}.httpGet.port`, `no container port named ${port}`);
    }
  }
}

const portOf = (c, p) => (typeof p === "string" ? c.ports?.find((cp) => cp.name === p)?.containerPort : p);

/// A long-running tracepipe: it listens where its probes, ports and
/// scrape annotations say, and the worker's drain fits its grace period.
function checkServer(doc, { container: c, run, settings }, report) {
  const listenKey = { ingest: "ingest.listen", serve: "ingest.listen", worker: "worker.listen" }[run?.command];
  if (!listenKey) return;
  const at = (field, problem) => report(`containers[${c.name}].${field}`, problem);
  const listen = settings.get(listenKey);
  const port = Number(listen.split(":").pop());
  if (!/^(0\.0\.0\.0|\[::\]):/.test(listen)) at("args", `${listenKey} is ${listen}: other pods cannot reach it`);
  if (!c.ports?.some((p) => p.containerPort === port)) at("ports", `no containerPort ${port} (${listenKey} ${listen})`);
  const wanted = run.command === "worker" ? { livenessProbe: "/ok" } : { readinessProbe: "/ready", livenessProbe: "/ok" };
  for (const [probe, path] of Object.entries(wanted)) {
    const get = c[probe]?.httpGet;
    if (get?.path !== path || portOf(c, get?.port) !== port) at(probe, `want GET ${path} on port ${port}`);
  }
  const annotations = doc.spec.template?.metadata?.annotations ?? {};
  if (annotations["prometheus.io/scrape"] !== "true" || annotations["prometheus.io/path"] !== "/metrics" || Number(annotations["prometheus.io/port"]) !== port)
    report("template.metadata.annotations", `want prometheus.io/scrape "true", /port "${port}", /path /metrics`);
  if (run.command === "worker") {
    const deadline = seconds(settings.get("worker.shutdown_deadline"));
    const grace = doc.spec.template.spec.terminationGracePeriodSeconds ?? 30;
    if (!(grace >= deadline + 10))
      report("template.spec.terminationGracePeriodSeconds", `${grace} s: the worker drains for worker.shutdown_deadline (${deadline} s) on SIGTERM; give it at least ${deadline + 10} s`);
  }
}

/// "1m30s", "500ms", "30s" → seconds.
export function seconds(text) {
  let total = 0;
  for (const [, n, unit] of String(text).matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(n) * { ms: 0.001, s: 1, m: 60, h: 3600 }[unit];
  return total;
}

/// Queue triggers read what the workers consume: the consumer group's
/// streams <redis.stream>:{n} for every shard, or a metric the binary exports.
function checkTriggers(doc, worker, docs, ctx) {
  const triggers = doc.spec.triggers ?? [];
  const at = (i, problem) => ctx.report(doc, `spec.triggers[${i}]`, problem);
  if (!worker) return ctx.report(doc, "spec.scaleTargetRef", "its target runs no tracepipe worker");
  const { settings, env } = worker;
  const shards = Number(settings.get("redis.shards"));
  const expected = new Set(Array.from({ length: shards }, (_, n) => `${settings.get("redis.stream")}:{${n}}`));
  const seen = new Set();
  let queue = false;
  for (const [i, t] of triggers.entries()) {
    const m = t.metadata ?? {};
    if (t.type === "redis-streams" || t.type === "redis-cluster-streams") {
      queue = true;
      if (!expected.has(m.stream)) at(i, `stream ${m.stream}: the workers read ${[...expected].join(", ")} (redis.stream, redis.shards)`);
      seen.add(m.stream);
      if (m.consumerGroup !== settings.get("worker.group")) at(i, `consumerGroup ${m.consumerGroup}: the workers' group is ${settings.get("worker.group")} (worker.group)`);
      const fromEnv = m.addressFromEnv ?? m.addressesFromEnv;
      const address = fromEnv ? env.find((e) => e.name === fromEnv)?.value : m.address ?? m.addresses;
      if (address === undefined) at(i, `${fromEnv}: not a variable of the worker's container`);
      else if (address.split(",").some((a) => !a.trim().split(":")[0].includes("."))) at(i, `Redis address ${address}: KEDA connects from its own namespace; give a fully qualified name`);
      if (t.authenticationRef && !docs.some((d) => d.kind === "TriggerAuthentication" && d.metadata.name === t.authenticationRef.name))
        at(i, `TriggerAuthentication ${t.authenticationRef.name} is not in this overlay's manifests`);
    } else if (t.type === "metrics-api" || t.type === "prometheus") {
      queue = true;
      const metric = t.type === "metrics-api" ? m.valueLocation : (m.query ?? "").match(/tracepipe_\w+/)?.[0];
      if (!ctx.binary.exportsMetric(metric)) at(i, `${metric}: not a metric tracepipe exports`);
      const url = m.url ?? m.serverAddress ?? "";
      if (!url.replace(/^\w+:\/\//, "").split(/[:/]/)[0].includes(".")) at(i, `${url}: KEDA connects from its own namespace; give a fully qualified name`);
      const missing = missingService(url, docs, doc.metadata.namespace);
      if (missing) at(i, missing);
    }
  }
  if (!queue) ctx.report(doc, "spec.triggers", "no trigger on the queue (redis-streams, redis-cluster-streams, metrics-api or prometheus)");
  const missing = [...expected].filter((s) => !seen.has(s));
  if (seen.size && missing.length) ctx.report(doc, "spec.triggers", `no trigger for the shard streams ${missing.join(", ")} (redis.shards ${shards})`);
  for (const d of docs.filter((x) => x.kind === "TriggerAuthentication"))
    for (const [i, r] of (d.spec.secretTargetRef ?? []).entries())
      if (r.name !== secretName || !secretKeys.includes(r.key)) ctx.report(d, `spec.secretTargetRef[${i}]`, `${r.name}/${r.key} is not a documented key of the Secret ${secretName}`);
}

/// The Indexed Job of generators and the merge agree on N and on where
/// the results are.
function checkGenerators(docs, runs, ctx) {
  const jobs = [...runs.entries()].flatMap(([doc, list]) => list.map((r) => ({ doc, ...r })));
  const generators = jobs.filter((j) => j.run?.command === "load" && j.doc.kind === "Job");
  const merges = jobs.filter((j) => j.run?.command === "report merge");
  for (const g of generators) {
    const at = (field, problem) => ctx.report(g.doc, field, problem);
    const { completions, parallelism, completionMode } = g.doc.spec;
    const segment = g.run.flags.get("--segment") ?? "";
    const n = Number(segment.match(/^\$\(JOB_COMPLETION_INDEX\)\/(\d+)$/)?.[1]);
    if (completionMode !== "Indexed") at("spec.completionMode", "want Indexed: the index is the generator's segment");
    if (!n) at(`containers[${g.container.name}].args`, `--segment ${segment}: want $(JOB_COMPLETION_INDEX)/N`);
    else if (completions !== n || parallelism !== n)
      at("spec", `completions ${completions}, parallelism ${parallelism} and --segment …/${n} must be the same N`);
    const out = g.run.flags.get("--out") ?? "";
    if (!out.includes("$(JOB_COMPLETION_INDEX)")) at(`containers[${g.container.name}].args`, `--out ${out}: each generator needs its own directory, $(JOB_COMPLETION_INDEX) in it`);
    if (!g.run.flags.has("--start-at")) at(`containers[${g.container.name}].args`, "no --start-at: the generators would not begin together");
    const missing = missingService(g.run.flags.get("--target") ?? "", docs, g.doc.metadata.namespace);
    if (missing) at(`containers[${g.container.name}].args`, `--target ${missing}`);
    if (merges.length === 0) at("", "no Job runs `tracepipe report merge` over the generators' results");
    if (!n) continue;  // the merge's directories follow from N
    const dirs = Array.from({ length: n }, (_, i) => out.replaceAll("$(JOB_COMPLETION_INDEX)", String(i)));
    for (const m of merges) {
      const got = [...m.run.positionals].sort().join(" ");
      if (got !== [...dirs].sort().join(" "))
        ctx.report(m.doc, `containers[${m.container.name}].args`, `merges ${got || "nothing"}; the ${n} generators of Job ${g.doc.metadata.name} write ${dirs.join(" ")}`);
      if (claimAt(m, dirs[0]) !== claimAt(g, out)) ctx.report(m.doc, "volumes", `the run directories are not on the generators' volume (${claimAt(g, out)})`);
    }
  }
}

/// An in-cluster address (service[.namespace[.svc[.cluster.local]]][:port])
/// names a Service of the overlay, on one of its ports; other hosts are not ours.
function missingService(url, docs, namespace) {
  const m = url.replace(/^\w+:\/\//, "").match(/^([a-z0-9-]+)(?:\.([a-z0-9-]+)\.svc(?:\.cluster\.local)?)?(?::(\d+))?(?:\/|$)/);
  if (!m) return null;
  const [, name, ns = namespace, port = "80"] = m;
  const service = docs.find((d) => d.kind === "Service" && d.metadata.name === name && d.metadata.namespace === ns);
  if (!service) return `${url}: no Service ${name} in namespace ${ns} in this overlay's manifests`;
  if (!service.spec.ports.some((p) => p.port === Number(port))) return `${url}: Service ${name} has no port ${port}`;
  return null;
}

function claimAt({ doc, container }, path = "") {
  const mount = (container.volumeMounts ?? []).find((v) => path.startsWith(`${v.mountPath}/`));
  return podSpecOf(doc).volumes?.find((v) => v.name === mount?.name)?.persistentVolumeClaim?.claimName;
}
