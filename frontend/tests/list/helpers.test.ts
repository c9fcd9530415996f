import type { Preview } from "src/api/types";
import { canAdd, filtersBody, hasFilter, sameFilters } from "src/screens/list/addFilters";
import { tabOf } from "src/screens/list/listTabs";
import { actionCounts, approvable, runCounts, statusPalette } from "src/screens/list/runs";
import { isLanguage } from "src/screens/list/translations";

describe("tabOf", () => {
  it("reads the tab from the URL, details when missing or unknown", () => {
    expect(tabOf("members")).toBe("members");
    expect(tabOf("sync")).toBe("sync");
    expect(tabOf(undefined)).toBe("details");
    expect(tabOf("nonsense")).toBe("details");
  });
});

describe("add filters", () => {
  const preview: Preview = { count: 3, without_valid_email: 1, rows: [], filters: "tag=VIP" };

  it("send only the filters that are set, trimmed", () => {
    expect(filtersBody({ letter: "", tag: " VIP ", search: "   " })).toEqual({ tag: "VIP" });
    expect(hasFilter({ search: "  " })).toBe(false);
    expect(hasFilter({ letter: "A" })).toBe(true);
    expect(sameFilters({ tag: "VIP " }, { tag: "VIP", letter: "" })).toBe(true);
    expect(sameFilters({ tag: "VIP" }, { tag: "B" })).toBe(false);
  });

  it("allow Add only with the right and a preview of these filters with matches", () => {
    expect(canAdd(true, preview, { tag: "VIP" }, { tag: "VIP" })).toBe(true);
    expect(canAdd(false, preview, { tag: "VIP" }, { tag: "VIP" })).toBe(false);
    expect(canAdd(true, null, null, { tag: "VIP" })).toBe(false);
    expect(canAdd(true, { ...preview, count: 0 }, { tag: "VIP" }, { tag: "VIP" })).toBe(false);
    expect(canAdd(true, preview, { tag: "VIP" }, { tag: "VIP", letter: "B" })).toBe(false);
  });
});

describe("runs", () => {
  it("reads the counts and the status", () => {
    expect(runCounts({ added: 3, updated: 1, removed: 2 })).toBe("+3 ~1 -2");
    expect(statusPalette("success")).toBe("green");
    expect(statusPalette("failed")).toBe("red");
    expect(statusPalette("blocked")).toBe("orange");
    expect(statusPalette("whatever")).toBe("gray");
  });

  it("approves only the latest blocked run", () => {
    expect(approvable({ id: 5, status: "blocked" }, 5)).toBe(true);
    expect(approvable({ id: 4, status: "blocked" }, 5)).toBe(false);
    expect(approvable({ id: 5, status: "dry_run" }, 5)).toBe(false);
    expect(approvable({ id: 5, status: "blocked" }, null)).toBe(true);
  });

  it("lists the actions with changes, largest first", () => {
    expect(actionCounts({ add: 2, remove: 5, keep: 0, update: 2 })).toEqual([["remove", 5], ["add", 2], ["update", 2]]);
  });
});

describe("isLanguage", () => {
  it("takes the API's ISO 639 codes only", () => {
    for (const ok of ["de", "en", "fr-CH", " en "]) expect(isLanguage(ok), ok).toBe(true);
    for (const bad of ["", "EN", "deutsch", "fr-ch", "d"]) expect(isLanguage(bad), bad).toBe(false);
  });
});
