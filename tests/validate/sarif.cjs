// Validates SARIF logs (the files named on the command line) against the SARIF 2.1.0 schema
// (OASIS, as shipped in @microsoft/jest-sarif), with Ajv and every format checked.
// Exit 0 when all are valid; otherwise prints each error and exits 1.
const { readFileSync } = require("node:fs");
const { dirname, join } = require("node:path");

const pkg = dirname(require.resolve("@microsoft/jest-sarif/package.json"));
const Ajv = require(require.resolve("ajv", { paths: [pkg] }));
const schema = JSON.parse(readFileSync(join(pkg, "lib/schemas/sarif-2.1.0-rtm.5.json"), "utf8"));
// The schema is draft-04: Ajv 6 reads it with the draft-04 meta-schema.
const ajv = new Ajv({ allErrors: true, format: "full", schemaId: "auto" });
ajv.addMetaSchema(require(require.resolve("ajv/lib/refs/json-schema-draft-04.json", { paths: [pkg] })));
const validate = ajv.compile(schema);
let bad = 0;
for (const file of process.argv.slice(2)) {
  const log = JSON.parse(readFileSync(file, "utf8"));
  if (!validate(log)) {
    bad++;
    for (const e of validate.errors) console.log(`${file}: ${e.dataPath} ${e.message}`);
  }
}
console.log(`sarif: ${process.argv.length - 2 - bad} valid, ${bad} invalid`);
process.exit(bad ? 1 : 0);
