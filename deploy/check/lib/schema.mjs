// Every rendered document against its kind's schema, two ways:
//  - the model's validate() (kubernetes-models, @kubernetes-models/keda):
//    types, required fields, formats — but an unknown field passes, as in
//    the API's OpenAPI schemas;
//  - TypeScript on the same models' declarations: each document as an
//    object literal of its kind's type, so a misspelt field (readinesProbe)
//    is an "excess property" error naming it.
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const require = createRequire(import.meta.url);
const here = dirname(dirname(fileURLToPath(import.meta.url)));

/// The model module of an apiVersion and kind, or null.
function moduleOf(apiVersion, kind) {
  const path = apiVersion.startsWith("keda.sh/")
    ? `@kubernetes-models/keda/${apiVersion}/${kind}`
    : `kubernetes-models/${apiVersion}/${kind}`;
  try {
    require.resolve(path);
    return path;
  } catch {
    return null;
  }
}

/// [{id, where, problem}] for docs: [{id, doc}].
export function validateModels(docs) {
  const problems = [];
  for (const { id, doc } of docs) {
    const path = moduleOf(doc.apiVersion ?? "", doc.kind ?? "");
    if (!path) {
      problems.push({ id, where: "apiVersion/kind", problem: `no schema for ${doc.apiVersion} ${doc.kind}` });
      continue;
    }
    const Model = require(path)[doc.kind];
    try {
      new Model(doc).validate();
    } catch (e) {
      for (const err of e.errors ?? [{ instancePath: "", message: e.message }])
        problems.push({ id, where: pointerToField(err.instancePath), problem: `${err.message}${paramsOf(err)}` });
    }
  }
  return problems;
}

function paramsOf(err) {
  if (err.params?.missingProperty) return ` (${err.params.missingProperty})`;
  if (err.params?.allowedValues) return ` (${err.params.allowedValues.join(", ")})`;
  return "";
}

function pointerToField(pointer) {
  return pointer.split("/").slice(1).reduce((f, k) => (/^\d+$/.test(k) ? `${f}[${k}]` : f ? `${f}.${k}` : k), "") || "(document)";
}

/// Unknown fields and wrong types by TypeScript's excess property checks.
export function checkFields(docs) {
  const lines = [];
  const fieldOfLine = [];
  const imports = [];
  docs.forEach(({ id, doc }, i) => {
    const path = moduleOf(doc.apiVersion ?? "", doc.kind ?? "");
    if (!path) return;
    imports.push(`import type { I${doc.kind} as T${i} } from "${path}";`);
    lines.push(`export const d${i}: T${i} = `);
    fieldOfLine.push(null);
    emit(doc, "", { id }, lines, fieldOfLine);
    lines[lines.length - 1] += ";";
  });
  const text = [...imports, ...lines].join("\n");
  const offset = imports.length;
  const file = `${here}/documents.ts`;
  const options = { strict: true, noEmit: true, skipLibCheck: true, types: [], target: ts.ScriptTarget.ES2020,
    module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10 };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, ...rest) => (name === file ? ts.createSourceFile(name, text, ts.ScriptTarget.ES2020, true) : getSourceFile(name, ...rest));
  host.fileExists = (name) => name === file || fileExists(name);
  host.readFile = (name) => (name === file ? text : readFile(name));
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, " ");
    if (d.file?.fileName !== file) return { id: "(typescript)", where: "", problem: message };
    const line = d.file.getLineAndCharacterOfPosition(d.start).line - offset;
    const at = fieldOfLine[line] ?? { id: "(typescript)", field: "" };
    const unknown = message.match(/'"?([^'"]+)"?' does not exist in type/);
    return { id: at.id, where: at.field, problem: unknown ? `unknown field '${unknown[1]}'` : message.slice(0, 300) };
  });
}

/// JSON, one property a line, each line's field path recorded.
function emit(value, field, owner, lines, fieldOfLine) {
  const open = (s) => (lines[lines.length - 1] += s);
  if (Array.isArray(value)) {
    open("[");
    value.forEach((v, i) => {
      lines.push("");
      fieldOfLine.push({ ...owner, field: `${field}[${i}]` });
      emit(v, `${field}[${i}]`, owner, lines, fieldOfLine);
      lines[lines.length - 1] += ",";
    });
    lines.push("]");
    fieldOfLine.push({ ...owner, field });
  } else if (value && typeof value === "object") {
    open("{");
    for (const [k, v] of Object.entries(value)) {
      const sub = field ? `${field}.${k}` : k;
      lines.push(`${JSON.stringify(k)}: `);
      fieldOfLine.push({ ...owner, field: sub });
      emit(v, sub, owner, lines, fieldOfLine);
      lines[lines.length - 1] += ",";
    }
    lines.push("}");
    fieldOfLine.push({ ...owner, field });
  } else {
    open(JSON.stringify(value));
  }
}
