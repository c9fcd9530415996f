// @vitest-environment node
// The page translates every value of the integration's vocabulary (plugins/cleverreach/enums.py) and every fixed
// reason the sync stores (plugins/cleverreach/sync/): a new state or reason added there fails here until both
// catalogues name it.
import { readFileSync } from "node:fs";
import { join } from "node:path";

import de from "src/i18n/de.json";
import en from "src/i18n/en.json";
import { REASONS } from "src/i18n/vocabulary";

const PLUGIN = join(import.meta.dirname, "../../plugins/cleverreach");

function enumValues(name: string): string[] {
  const source = readFileSync(join(PLUGIN, "enums.py"), "utf8");
  const body = source.split(`class ${name}(StrEnum):`)[1]?.split(/\nclass /)[0];
  if (!body) throw new Error(`no enum ${name}`);
  return [...body.matchAll(/^ {4}[A-Z_]+ = "([^"]+)"/gm)].map((m) => m[1]);
}

const groups: Record<string, string> = {
  state: "MemberState", runStatus: "RunStatus", action: "ChangeAction", result: "ChangeResult",
  erasure: "ErasureStatus", kind: "HistoryKind",
};

describe("vocabulary", () => {
  for (const [group, enumName] of Object.entries(groups)) {
    it(`names every ${enumName} in German and English`, () => {
      const values = enumValues(enumName);
      expect(values.length).toBeGreaterThan(2);
      for (const catalogue of [de, en] as Array<Record<string, any>>) {
        expect(Object.keys(catalogue.vocab[group]).sort()).toEqual([...values].sort());
      }
    });
  }

  it("knows every fixed reason the sync stores", () => {
    const texts = ["desired.py", "diff.py", "staleness.py", "withdrawn.py"].flatMap((file) => {
      const source = readFileSync(join(PLUGIN, "sync", file), "utf8");
      return [...source.matchAll(/(?:REASON = |reason\[~present\] = |consent\([^"]*)"([^"]+)"/g)].map((m) => m[1]);
    });
    expect(texts.length).toBeGreaterThanOrEqual(6);
    for (const text of texts) {
      expect(REASONS[text], text).toBeDefined();
      expect((de as any).vocab.reason[REASONS[text]], text).toBeTruthy();
    }
  });
});
