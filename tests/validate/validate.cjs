// Validates Kubernetes and Istio objects against the upstream schemas carried by the npm
// packages kubernetes-models and @kubernetes-models/istio, strictly: every object schema that
// has properties and no x-kubernetes-preserve-unknown-fields is closed
// (additionalProperties: false), so a misspelled field fails.
//
// usage: node validate.cjs FILE.json...   (each a JSON object, an array, or a `List`)
// Prints one line per invalid object and a summary; exits 1 if any object is invalid.
"use strict";

const validate = require("@kubernetes-models/validate");
const register = validate.register;

function close(schema) {
  if (Array.isArray(schema)) return schema.map(close);
  if (schema === null || typeof schema !== "object") return schema;
  const out = {};
  for (const [k, v] of Object.entries(schema)) {
    out[k] = k === "properties" ? Object.fromEntries(Object.entries(v).map(([p, s]) => [p, close(s)])) : close(v);
  }
  if (out.properties && !out["x-kubernetes-preserve-unknown-fields"] && out.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  return out;
}
validate.register = (id, schema) => register(id, close(schema));
// The Gateway API models (an ES module package) carry precompiled validators: their schemas
// cannot be closed here, so unknown Gateway API fields are not caught (types, enums, required
// fields and patterns are).
async function gatewayModel(version, kind) {
  const mod = await import(`@kubernetes-models/gateway-api/gateway.networking.k8s.io/${version}/${kind}`);
  return mod[kind];
}

// apiVersion → module path. Istio's v1 and v1beta1 schemas are identical; the package carries
// v1beta1 (and v1 for security), so v1 objects are checked against v1beta1 where needed.
async function modelFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  if (group === "gateway.networking.k8s.io") {
    return [await gatewayModel(version, kind), apiVersion];
  }
  if (group.endsWith("istio.io")) {
    for (const v of [version, "v1beta1"]) {
      try {
        return [require(`@kubernetes-models/istio/${group}/${v}/${kind}`)[kind], `${group}/${v}`];
      } catch (e) { /* try the next version */ }
    }
    throw new Error(`no schema for ${apiVersion} ${kind}`);
  }
  const dir = group === "" ? `kubernetes-models/${version}/${kind}` : `kubernetes-models/${group}/${version}/${kind}`;
  return [require(dir)[kind], apiVersion];
}

let checked = 0;
const failures = [];
(async () => {
for (const file of process.argv.slice(2)) {
  const data = JSON.parse(require("fs").readFileSync(file, "utf8"));
  const items = Array.isArray(data) ? data : data.kind === "List" ? data.items : [data];
  for (const obj of items) {
    const where = `${file}: ${obj.kind} ${obj.metadata && obj.metadata.namespace ? obj.metadata.namespace + "/" : ""}${obj.metadata && obj.metadata.name}`;
    try {
      const [Model, apiVersion] = await modelFor(obj.apiVersion, obj.kind);
      new Model({ ...obj, apiVersion }).validate();
      checked++;
    } catch (e) {
      failures.push(`${where}: ${e.message}`);
    }
  }
}
for (const f of failures) console.log(`invalid: ${f}`);
console.log(`validated ${checked + failures.length} objects: ${checked} valid, ${failures.length} invalid`);
process.exit(failures.length ? 1 : 0);
})();
