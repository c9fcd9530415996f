// @vitest-environment node
// Every word of the page comes from the catalogues: both languages hold the same keys, every key the code asks
// for exists, and no catalogue entry is empty.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

import de from "src/i18n/de.json";
import en from "src/i18n/en.json";

function keys(tree: object, prefix = ""): string[] {
  return Object.entries(tree).flatMap(([k, v]) =>
    typeof v === "object" && v !== null ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`]);
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : /\.tsx?$/.test(name) ? [path] : [];
  });
}

const leaf = (tree: object, key: string) => key.split(".").reduce<unknown>((node, part) => (node as Record<string, unknown>)?.[part], tree);

describe("catalogues", () => {
  it("hold the same keys in German and English", () => {
    expect(keys(de).sort()).toEqual(keys(en).sort());
  });

  it("have no empty entry", () => {
    for (const [name, tree] of Object.entries({ de, en })) {
      for (const key of keys(tree)) expect(String(leaf(tree, key)).trim(), `${name}: ${key}`).not.toBe("");
    }
  });

  it("hold every key the code asks for", () => {
    const src = join(import.meta.dirname, "../src");
    const used = new Set<string>();
    for (const file of sources(src)) {
      for (const match of readFileSync(file, "utf8").matchAll(/\bt\(\s*"([a-zA-Z0-9_.]+)"/g)) used.add(match[1]);
    }
    expect(used.size).toBeGreaterThan(10);
    for (const key of used) {
      expect(typeof leaf(de, key), `de: ${key}`).toBe("string");
      expect(typeof leaf(en, key), `en: ${key}`).toBe("string");
    }
  });

  it("use the seed's German words", () => {
    const words = JSON.stringify(de);
    for (const word of ["Empfängerlisten", "Empfänger hinzufügen", "Kurzbeschreibung", "Externe ID", "Sprachen", "Synchronisiert"]) {
      expect(words, word).toContain(word);
    }
  });
});
