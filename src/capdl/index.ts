import { checkModel } from "./check.ts";
import { CapdlError } from "./lexer.ts";
import { makeModel } from "./makeModel.ts";
import type { Model } from "./model.ts";
import { parseCapdl } from "./parse.ts";

export { CapdlError } from "./lexer.ts";
export { parseCapdl } from "./parse.ts";
export { makeModel } from "./makeModel.ts";
export { checkModel, modelProblems } from "./check.ts";
export { printCapdl } from "./print.ts";
export { modelValue, type Model } from "./model.ts";

/** Read a capDL spec as the capDL tool does: parse, build the model, check it. Throws CapdlError. */
export function readCapdl(text: string, file = ""): Model {
  try {
    const m = makeModel(parseCapdl(text));
    checkModel(m);
    return m;
  } catch (e) {
    if (e instanceof CapdlError && file) throw e.withFile(file);
    throw e;
  }
}
