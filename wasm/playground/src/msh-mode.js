// Syntax highlighting for msh, as a CodeMirror stream language.
import { StreamLanguage } from "@codemirror/language";

const keywords = new Set(["package", "import", "service", "check", "let", "for", "in", "if"]);
const atoms = new Set(["true", "false", "null", "_"]);
const types = new Set(["int", "float", "number", "string", "bool", "quantity", "duration", "percent"]);

function stringBody(stream, state) {
  while (!stream.eol()) {
    const ch = stream.next();
    if (ch === "\\") { stream.next(); continue; }
    if (ch === '"') { state.inString = false; break; }
  }
  return "string";
}

export const msh = StreamLanguage.define({
  name: "msh",
  startState: () => ({ inString: false }),
  token(stream, state) {
    if (state.inString) return stringBody(stream, state);
    if (stream.eatSpace()) return null;
    if (stream.match("//")) { stream.skipToEnd(); return "comment"; }
    if (stream.peek() === '"') {
      stream.next();
      state.inString = true;
      return stringBody(stream, state);
    }
    if (stream.match(/^_\|_/)) return "atom";
    if (stream.match(/^[0-9][0-9_]*(\.[0-9]+)?([a-zA-Z%][a-zA-Z0-9.%]*)?/)) return "number";
    if (stream.match(/^#[A-Za-z_][A-Za-z0-9_]*/)) return "typeName";
    const word = stream.match(/^[A-Za-z_$][A-Za-z0-9_$-]*/);
    if (word) {
      const w = word[0];
      if (keywords.has(w)) return "keyword";
      if (atoms.has(w)) return "atom";
      if (types.has(w)) return "typeName";
      if (stream.match(/^\s*[?!]?:/, false)) return "propertyName";
      return "variableName";
    }
    if (stream.match(/^(=~|!~|>=|<=|==|!=|&&|\|\||[&|*<>!+\-\/])/)) return "operator";
    stream.next();
    return null;
  },
  languageData: { commentTokens: { line: "//" } },
});
